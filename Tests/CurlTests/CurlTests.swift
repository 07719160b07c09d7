import Testing
@testable import Curl
