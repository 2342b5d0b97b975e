"""YouthLab: a Jupyter-based education and experience-lab kit for youth."""

__version__ = "0.1.0"


def load_ipython_extension(ipython) -> None:  # `%load_ext youthlab`
    from youthlab.notebook import load_ipython_extension as load

    load(ipython)
