import Testing
@testable import Fleet

@Suite struct LogParsingTests {
    @Test func accessLineFields() {
        let text = """
            ts=2026-12-03T12:00:01.250Z peer=10.213.1.1:40000 method=POST target=/__fault/echo?rid=7-3 version=HTTP/1.1 status=200 bytes=90 duration_us=50 pid=10 served=2 conn_request=1
            garbage
            """
        let lines = LogParsing.accessLines(text)
        #expect(lines.count == 1)
        #expect(lines.first?.requestID == "7-3")
        #expect(lines.first?.connectionRequest == 1)
        #expect(lines.first?.method == "POST")
        #expect(abs((lines.first?.at ?? 0) - 1_796_299_201.25) < 0.001)
    }

    @Test func drainStartedEvents() {
        let text = """
            ts=2026-12-03T12:00:00.000Z level=notice event=shutdown_started signal=TERM
            ts=2026-12-03T12:00:00.500Z level=notice event=drain_started delay_s=1
            """
        #expect(LogParsing.drainStarts(text) == [1_796_299_200.5])
    }
}
