import Testing
@testable import Conformance

@Suite struct ResponseReaderTests {
    func parse(_ s: String, heads: [Bool] = [], eof: Bool = false) -> ReadOutcome {
        ResponseReader.parse(Array(s.utf8), heads: heads, eof: eof)
    }

    @Test func twoContentLengthResponsesBackToBack() {
        let r = parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        #expect(r.error == nil)
        #expect(r.responses.map(\.status) == [200, 404])
        #expect(r.responses[0].body == Array("ok".utf8))
        #expect(r.leftover == 0)
    }

    @Test func chunkedWithExtensionsAndTrailers() {
        let r = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n1\r\n!\r\n0\r\nX-T: 1\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")
        #expect(r.responses.map(\.status) == [200, 204])
        #expect(r.responses[0].body == Array("hello!".utf8))
        #expect(r.responses[0].framing == .chunked)
    }

    @Test func closeDelimitedBodyCompletesOnlyAtEOF() {
        let s = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc"
        #expect(parse(s).responses.isEmpty)
        let done = parse(s, eof: true)
        #expect(done.responses.first?.body == Array("abc".utf8))
        #expect(done.responses.first?.framing == .closeDelimited)
    }

    @Test func headResponseHasNoBodyEvenWithContentLength() {
        let s = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
        let r = parse(s, heads: [true, false])
        #expect(r.responses.count == 2)
        #expect(r.responses[0].body.isEmpty && r.responses[1].body == Array("hello".utf8))
        // Read as if the first were a GET, the stream is garbage: a leaked HEAD body is caught.
        #expect(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                      heads: [true, false], eof: true).error != nil)
    }

    @Test func interimResponsesAttachToTheFinalOne() {
        let r = parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(r.responses.count == 1)
        #expect(r.responses[0].interim == [100])
    }

    @Test func garbageIsAnError() {
        #expect(parse("hello world\r\n\r\n").error != nil)
        #expect(parse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", eof: true).error != nil)
        #expect(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab").error != nil)
    }

    @Test func imfFixdate() {
        #expect(IMFFixdate.isValid("Sun, 06 Nov 1994 08:49:37 GMT"))
        #expect(!IMFFixdate.isValid("Sunday, 06-Nov-94 08:49:37 GMT"))
        #expect(!IMFFixdate.isValid("Sun Nov  6 08:49:37 1994"))
        #expect(!IMFFixdate.isValid("Sun, 6 Nov 1994 08:49:37 GMT"))
    }
}

@Suite struct JudgeTests {
    let bad400 = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    let ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

    func obs(_ s: String, _ end: ConnectionEnd, heads: [Bool] = [false, false]) -> Observation {
        Observation.from(bytes: Array(s.utf8), heads: heads, end: end)
    }

    @Test func refuseFailsWhenThePipelinedRequestIsAnsweredToo() {
        #expect(Judges.refuse()(obs(bad400, .closed)) == .pass)
        #expect(Judges.refuse()(obs(bad400 + ok, .closed)).word == "FAIL")
        #expect(Judges.refuse()(obs(ok + ok, .open)).word == "FAIL")
    }

    @Test func refuseNeedsTheConnectionClosed() {
        #expect(Judges.refuse()(obs(bad400, .open)).word == "FAIL")
        #expect(Judges.refuse()(obs("", .closed)) == .pass)       // "400 or close"
        #expect(Judges.refuse()(obs("", .reset)) == .pass)
        #expect(Judges.refuse()(obs("", .open)).word == "FAIL")
    }

    @Test func refuseChecksTheStatus() {
        let s501 = "HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n"
        #expect(Judges.refuse()(obs(s501, .closed)).word == "FAIL")
        #expect(Judges.refuse(.oneOf(400, 501))(obs(s501, .closed)) == .pass)
    }

    @Test func refuseOrAcceptCountsResponses() {
        let j = Judges.refuseOrAccept(acceptedCount: 2)
        #expect(j(obs(ok + ok, .open)) == .pass)
        #expect(j(obs(ok, .open)).word == "FAIL")                  // pipelined GET swallowed as body
        #expect(j(obs(ok + ok + ok, .open, heads: [false, false, false])).word == "FAIL")  // smuggled one answered
        #expect(j(obs(bad400, .closed)) == .pass)
        let teCL = Judges.refuseOrAccept(acceptedCount: 1, closeAfterAccept: true)
        #expect(teCL(obs(ok, .closed)) == .pass)
        #expect(teCL(obs(ok, .open)).word == "FAIL")
    }

    @Test func announcedCloseExcusesMissingResponsesButNotExtraOnes() {
        let okClose = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        let three = [false, false, false]
        #expect(Judges.all(3)(obs(okClose, .closed, heads: three)) == .pass)
        #expect(Judges.all(3)(obs(ok, .closed, heads: three)).word == "FAIL")      // closed without saying so
        #expect(Judges.all(3)(obs(okClose, .open, heads: three)).word == "FAIL")   // said close, stayed open
        #expect(Judges.single(.success, .mustStayOpen)(obs(okClose, .closed, heads: [false])) == .pass)
        #expect(Judges.single(.success, .persistent)(obs(okClose, .closed, heads: [false])).word == "FAIL")
        #expect(Judges.refuseOrAccept(acceptedCount: 1)(obs(okClose + okClose, .closed)).word == "FAIL")
    }

    @Test func singleChecksConnectionAndBody() {
        let j = Judges.single(.success, .mustStayOpen, check: Judges.body("ok"))
        #expect(j(obs(ok, .open, heads: [false])) == .pass)
        #expect(j(obs(ok, .closed, heads: [false])).word == "FAIL")
        #expect(Judges.single(.success, check: Judges.body("no"))(obs(ok, .open, heads: [false])).word == "FAIL")
        #expect(Judges.single(.success)(obs(ok + "junk", .open, heads: [false])).word == "FAIL")
    }

    @Test func tableHasAtLeastSixtyUniqueIds() {
        let ids = CaseTable.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(CaseTable.all.filter { $0.section != .robustness || !$0.id.contains("@") }.count >= 60)
        #expect(Section.allCases.allSatisfy { s in CaseTable.all.contains { $0.section == s } })
    }

    @Test func targetURLParsing() {
        #expect(TargetURL("http://127.0.0.1:8080/") == TargetURL("http://localhost:8080"))
        #expect(TargetURL("http://127.0.0.1:8080/x")?.path == "/x")
        #expect(TargetURL("https://127.0.0.1:1/") == nil)
    }
}
