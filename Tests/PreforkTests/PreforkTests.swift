import Testing
@testable import Prefork
