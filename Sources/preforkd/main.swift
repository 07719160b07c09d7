// placeholder while the engine is written
print("preforkd")
