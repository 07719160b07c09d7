// The HTTP1 module. (Being written.)
