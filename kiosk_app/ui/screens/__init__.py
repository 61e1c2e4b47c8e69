"""The patient screens: each one job, one instruction, large type, nothing left behind."""
