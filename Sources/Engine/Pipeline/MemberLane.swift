/// A member of a fused model other than the primary, on the stream: its own frontend,
/// window grid (`window_hop_frames`) and network, fed the same mono audio at its own
/// rate. Each of its windows' outputs goes to the fusion stage, stamped with the
/// stream time at which the window ends.
final class MemberLane {
    /// The member's index in the fusion (1 for `ModelFile.members[0]`).
    let member: Int
    let model: ModelFile
    /// Index of its rate in the converter's `outputRates`.
    let rateIndex: Int
    private let frontend: MelFrontend
    private let assembler: WindowAssembler
    let network: Network
    /// CPU seconds its network has run since the last `takeNetworkSeconds`.
    private var networkSeconds = 0.0
    /// True once `finish` has run: no more windows will come.
    private(set) var finished = false

    /// True when every window of this member ending by `endSeconds` has been emitted.
    func hasPassed(_ endSeconds: Double) -> Bool {
        finished || assembler.nextWindowEndSeconds > endSeconds + 1e-6
    }

    init(member: Int, model: ModelFile, rateIndex: Int) throws {
        self.member = member
        self.model = model.withoutTensors()
        self.rateIndex = rateIndex
        frontend = try MelFrontend(settings: model.frontend)
        assembler = WindowAssembler(settings: model.frontend, hopFrames: model.frontend.windowHopFrames)
        network = Network(model: model)
    }

    func reset() {
        frontend.reset()
        assembler.reset()
        networkSeconds = 0
        finished = false
    }

    /// The stream contract: adds samples at the member's rate; `emit` hears of each
    /// window the network has run on (its outputs are `network.values(of:)` during the call).
    func process(_ samples: UnsafeBufferPointer<Float>, emit: (MemberLane, Double) throws -> Void) throws {
        try frontend.process(samples) { try assembler.process($0) { try run($0, emit) } }
    }

    /// At end of input: the last frames and the partial window.
    func finish(emit: (MemberLane, Double) throws -> Void) throws {
        try frontend.finish { try assembler.process($0) { try run($0, emit) } }
        try assembler.finish { try run($0, emit) }
        finished = true
    }

    func takeNetworkSeconds() -> Double {
        defer { networkSeconds = 0 }
        return networkSeconds
    }

    private func run(_ window: WindowAssembler.Window, _ emit: (MemberLane, Double) throws -> Void) throws {
        let start = Clocks.threadCPUSeconds()
        network.run(window.input)
        networkSeconds += Clocks.threadCPUSeconds() - start
        try emit(self, window.endSeconds)
    }
}
