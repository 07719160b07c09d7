import Testing
@testable import Prefork

@Suite struct LifetimeBudgetTests {
    @Test func unitsAreNumberedWithoutGapAndEndAtTheLimit() {
        var budget = LifetimeBudget(lifetime: 3, jitter: 0)
        #expect([budget.reserve(), budget.reserve(), budget.reserve(), budget.reserve()] == [1, 2, 3, nil])
        #expect(budget.isSpent)
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
