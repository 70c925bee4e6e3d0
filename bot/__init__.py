"""Boussole Export: a French-language export assistant for SMEs."""
