// The Prefork module. (Being written.)
