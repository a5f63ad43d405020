"""Turn a rendered dataset folder into publishable shards (Parquet and/or WebDataset), a dataset
card and a checksum manifest; verify such a folder; upload it to the Hugging Face hub.

Everything here streams: images are read, written and hashed one at a time.
"""
