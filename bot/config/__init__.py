"""Configuration shared by every process: the settings read from the environment
(`settings`) and the secrets generated under var/ when none is given (`tokens`)."""
