"""The floor every room stands on: settings, errors, progress and the product's vocabulary.

It imports no other room of Agora, so imports run one way: rooms import the floor, the CLI
(`agora/`) imports the rooms."""

__version__ = "0.1.0"
