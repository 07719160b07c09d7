// The Harness module. (Being written.)
