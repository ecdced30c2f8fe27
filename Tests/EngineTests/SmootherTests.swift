import Foundation
import XCTest
@testable import Engine
@testable import Report

final class SmootherTests: XCTestCase {
    private func run(_ smoother: inout Smoother, _ p: [Float]) -> Int {
        p.withUnsafeBufferPointer { smoother.update($0).label }
    }

    func testOneOddWindowDoesNotFlipTheLabelButAChangeWins() {
        // 0.05 a window: a time constant of 3 / -ln(0.95) = 58.5 s at a hop of 3 s.
        var smoother = Smoother(labelCount: 3, settings: .init(timeConstant: 3 / -log(0.95), hopSeconds: 3))
        XCTAssertEqual(smoother.settings.switchProbability, 0.05, accuracy: 1e-12)
        let a: [Float] = [0.8, 0.1, 0.1], b: [Float] = [0.1, 0.8, 0.1]
        for _ in 0..<5 { XCTAssertEqual(run(&smoother, a), 0) }
        XCTAssertEqual(run(&smoother, b), 0, "a single window of another genre is not enough")
        XCTAssertEqual(run(&smoother, a), 0)
        var labels: [Int] = []
        for _ in 0..<4 { labels.append(run(&smoother, b)) }
        XCTAssertEqual(labels.last, 1, "a sustained change wins")
        XCTAssertLessThanOrEqual(labels.firstIndex(of: 1)!, 2, "within three windows")
        let total = smoother.belief.reduce(0, +)
        XCTAssertEqual(total, 1, accuracy: 1e-9)
    }

    /// The same time constant at a third of the hop switches a third as often per window
    /// (to first order): over the same time, the chain does the same.
    func testTimeConstantIsInSecondsWhateverTheHop() {
        let coarse = Smoother.Settings(timeConstant: 30, hopSeconds: 3), fine = Smoother.Settings(timeConstant: 30, hopSeconds: 1)
        XCTAssertEqual(pow(1 - fine.switchProbability, 3), 1 - coarse.switchProbability, accuracy: 1e-12)
    }

    /// Windows without music move time on but add no evidence: the belief relaxes toward uniform.
    func testAdvanceRelaxesTheBeliefWithoutChangingTheLabel() {
        var smoother = Smoother(labelCount: 3, settings: .init(timeConstant: 10, hopSeconds: 3))
        for _ in 0..<5 { _ = run(&smoother, [0.8, 0.1, 0.1]) }
        let before = smoother.belief[0]
        smoother.advance()
        XCTAssertLessThan(smoother.belief[0], before)
        XCTAssertGreaterThan(smoother.belief[0], 1.0 / 3)
        XCTAssertEqual(smoother.belief.reduce(0, +), 1, accuracy: 1e-9)
        for _ in 0..<200 { smoother.advance() }
        XCTAssertEqual(smoother.belief[0], 1.0 / 3, accuracy: 1e-6)
    }

    func testFirstWindowIsTakenAsItIsAndResetForgets() {
        var smoother = Smoother(labelCount: 3, settings: .init(evidenceWeight: 1))
        let result = [Float](arrayLiteral: 0.2, 0.5, 0.3).withUnsafeBufferPointer { smoother.update($0) }
        XCTAssertEqual(result.label, 1)
        XCTAssertEqual(result.confidence, 0.5, accuracy: 1e-6)
        // Tempered evidence: the first belief is p^w renormalised.
        var tempered = Smoother(labelCount: 3, settings: .init(evidenceWeight: 0.3))
        let t = [Float](arrayLiteral: 0.2, 0.5, 0.3).withUnsafeBufferPointer { tempered.update($0) }
        let z = pow(0.2, 0.3) + pow(0.5, 0.3) + pow(0.3, 0.3)
        XCTAssertEqual(t.label, 1)
        XCTAssertEqual(t.confidence, pow(0.5, 0.3) / z, accuracy: 1e-6)
        smoother.reset()
        XCTAssertEqual(smoother.belief, [1.0 / 3, 1.0 / 3, 1.0 / 3])
    }
}
