GENERATOR_VERSION="0"
SYNTHETIC_LABEL="x"
def generate_demo(*a):
    raise NotImplementedError
