/// Header (or trailer) fields in the order they were received, duplicates kept.
///
/// Names keep their original spelling; every lookup compares names
/// ASCII-case-insensitively, as field names are case-insensitive (RFC 9110 5.1).
///
/// Fields of a parsed request are kept as received bytes and become Strings
/// only when read (a lookup by name makes a String of the matching value
/// only). They share the parser's buffer: a copy kept past the request costs
/// the parser one copy of its buffer when it next receives bytes.
public struct HTTPHeaders: Sendable, Sequence, Equatable, ExpressibleByDictionaryLiteral {
    /// One field line: name and value (value without surrounding whitespace).
    public typealias Element = (name: String, value: String)

    /// Strings, or fields straight from the parser. One enum (two words),
    /// not two properties: requests are copied by value several times on
    /// their way to the handler.
    enum Storage: Sendable {
        case strings([Element])
        case received(ReceivedFields)
    }

    var storage: Storage

    /// An empty field list.
    public init() { storage = .strings([]) }

    /// Fields from ordered pairs.
    public init(_ pairs: [(String, String)]) {
        storage = .strings(pairs.map { (name: $0.0, value: $0.1) })
    }

    /// Fields from a literal, keeping the literal's order: `["Content-Type": "text/plain"]`.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    init(received: ReceivedFields) {
        storage = .received(received)
    }

    private var received: ReceivedFields? {
        if case .received(let r) = storage { return r }
        return nil
    }

    /// The fields as Strings (empty while they are received bytes).
    private var fields: [Element] {
        if case .strings(let f) = storage { return f }
        return []
    }

    /// Number of field lines (duplicates counted).
    public var count: Int { received?.count ?? fields.count }

    /// True when there are no fields.
    public var isEmpty: Bool { count == 0 }

    /// The first value of the field `name`, or nil.
    public subscript(_ name: String) -> String? {
        if let received {
            for i in 0..<received.count where received.nameEquals(i, name) { return received.value(i) }
            return nil
        }
        return fields.first { ASCII.caseInsensitiveEquals($0.name, name) }?.value
    }

    /// Every value of the field `name`, in order.
    public func values(_ name: String) -> [String] {
        if let received {
            return (0..<received.count).filter { received.nameEquals($0, name) }.map { received.value($0) }
        }
        return fields.filter { ASCII.caseInsensitiveEquals($0.name, name) }.map(\.value)
    }

    /// True when at least one field is named `name`.
    public func contains(_ name: String) -> Bool {
        if let received { return (0..<received.count).contains { received.nameEquals($0, name) } }
        return fields.contains { ASCII.caseInsensitiveEquals($0.name, name) }
    }

    /// Appends a field line (no validation; the serializer sanitizes on output).
    public mutating func add(_ name: String, _ value: String) {
        var all = elements
        storage = .strings([])  // unique, so the append does not copy
        all.append((name: name, value: value))
        storage = .strings(all)
    }

    /// Removes every field named `name`.
    public mutating func remove(_ name: String) {
        var all = elements
        storage = .strings([])
        all.removeAll { ASCII.caseInsensitiveEquals($0.name, name) }
        storage = .strings(all)
    }

    /// Iterates the field lines in received order.
    public func makeIterator() -> IndexingIterator<[Element]> {
        elements.makeIterator()
    }

    /// Same names (exact spelling) and values in the same order.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.elements.elementsEqual(rhs.elements) { $0.name == $1.name && $0.value == $1.value }
    }

    /// The fields as Strings, in order.
    var elements: [Element] {
        switch storage {
        case .strings(let f): f
        case .received(let r): r.elements
        }
    }

    /// Turns received fields into Strings (before a change, or before the
    /// parser drops the bytes they lie in).
    mutating func materialize() {
        if case .received(let r) = storage { storage = .strings(r.elements) }
    }
}
