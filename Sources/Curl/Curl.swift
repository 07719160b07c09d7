// The Curl module. (Being written.)
