// filled by the Curl work
