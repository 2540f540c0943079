print("s3bench: not yet")
