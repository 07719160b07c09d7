import Testing
@testable import Prefork

@Suite struct LifetimeBudgetTests {
    @Test func unitsAreNumberedWithoutGapAndEndAtTheLimit() {
        var budget = LifetimeBudget(lifetime: 3, jitter: 0)
        #expect([budget.reserve(), budget.reserve(), budget.reserve(), budget.reserve()] == [1, 2, 3, nil])
        #expect(budget.isSpent)
    }

    @Test func endingWhenFewerUnitsThanConnectionsRemain() {
        var budget = LifetimeBudget(lifetime: 5, jitter: 0)
        _ = budget.reserve(); _ = budget.reserve()  // 3 left
        #expect(!budget.isEnding(connections: 3))
        #expect(budget.isEnding(connections: 4))
        _ = budget.reserve(); _ = budget.reserve(); _ = budget.reserve()
        #expect(budget.isSpent && budget.isEnding(connections: 1))
        #expect(!LifetimeBudget(lifetime: nil, jitter: 0).isEnding(connections: 10_000))
    }

    @Test func jitterStaysWithinBounds() {
        for _ in 0..<200 {
            let budget = LifetimeBudget(lifetime: 10, jitter: 5)
            #expect((10...15).contains(budget.limit!))
        }
    }

    @Test func zeroMeansUnlimited() {
        var budget = LifetimeBudget(lifetime: nil, jitter: 5)
        for i in 1...1000 { #expect(budget.reserve() == i) }
        #expect(!budget.isSpent)
    }
}
