"""YouthLab: a Jupyter-based education and experience-lab kit for youth."""

__version__ = "0.1.0"
