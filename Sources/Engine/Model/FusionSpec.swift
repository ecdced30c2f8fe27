/// How a fused model's members make its genre output (Weights/FORMAT.md, `fusion`):
/// per label, a weighted sum of scores that each member's output gives that label,
/// plus a bias, then a softmax over the labels.
///
/// A window's score from a member other than the primary is the mean of its windows
/// (patches) that ended since the primary's previous window ended.
package struct FusionSpec: Sendable {
    enum Score: Sendable, Equatable {
        /// `log(p[label])` of an output whose labels are the genre output's own.
        case logProbability
        /// `log(sum of p[c] over the label's group)` of an output of independent class
        /// probabilities (AudioSet's, through a sigmoid); a label without a group scores 0.
        case logGroupSum(groups: [[Int]])
    }

    package struct Term: Sendable {
        /// 0 for the primary, k for `ModelFile.members[k - 1]`.
        public var member: Int
        public var memberName: String
        public var output: ModelOutput
        var score: Score
        /// One weight per genre label.
        public var weights: [Float]
    }

    /// The primary's genre labels: what the fusion scores.
    public let labels: [String]
    public let terms: [Term]
    public let bias: [Float]
    /// Added inside every logarithm, so that a probability of 0 scores a finite value.
    public static let floor: Float = 1e-7

    init(json: JSONObject, primary: ModelFile, members: [ModelFile]) throws {
        guard let genre = primary.output(ModelOutput.genre), let labels = genre.labels else {
            throw EngineError.model("fusion: the primary member has no labelled \"genre\" output to fuse into")
        }
        self.labels = labels
        let n = labels.count
        func numbers(_ object: JSONObject, _ key: String) throws -> [Float] {
            let values = try object.required(key, as: .list(of: .double))
            guard values.count == n else {
                throw JSONError(message: "field \"\(object.fieldPath(key))\" has \(values.count) values, expected \(n) (one per genre label)")
            }
            guard values.allSatisfy({ $0.isFinite && abs($0) <= 1e6 }) else {
                throw JSONError(message: "field \"\(object.fieldPath(key))\" must hold finite numbers within +-1e6")
            }
            return values.map(Float.init)
        }
        bias = try json.optional("bias", as: .list(of: .double)) == nil ? [Float](repeating: 0, count: n) : try numbers(json, "bias")
        let all = [primary] + members
        let names = [primary.memberName ?? primary.name] + members.map(\.name)
        var terms: [Term] = []
        for object in try json.objects("terms") {
            let memberName: String = try object.required("member", as: .string)
            guard let member = names.firstIndex(of: memberName) else {
                throw JSONError(message: "field \"\(object.fieldPath("member"))\" is \"\(memberName)\", expected one of \(names)")
            }
            let outputName: String = try object.required("output", as: .string)
            guard let output = all[member].output(outputName) else {
                throw JSONError(message: "field \"\(object.fieldPath("output"))\": member \"\(memberName)\" has no output \"\(outputName)\" (it has \(all[member].outputs.map(\.name)))")
            }
            let size = all[member].nodes[output.node].shape.count
            let score: Score
            switch try object.required("score", as: .string) as String {
            case "log_probability":
                guard member > 0 || output.name == ModelOutput.genre else {
                    throw JSONError(message: "field \"\(object.fieldPath("output"))\": the primary's log_probability term reads its genre output, found \"\(outputName)\"")
                }
                guard output.labels == labels else {
                    throw JSONError(message: "field \"\(object.fieldPath("output"))\": log_probability needs an output labelled as the genre output (\(labels)), found \(output.labels ?? [])")
                }
                score = .logProbability
            case "log_group_sum":
                let groups = try object.required("groups", as: .list(of: .list(of: .int)))
                guard groups.count == n else {
                    throw JSONError(message: "field \"\(object.fieldPath("groups"))\" has \(groups.count) groups, expected \(n) (one per genre label)")
                }
                for (g, group) in groups.enumerated() {
                    guard group.allSatisfy({ (0..<size).contains($0) }), Set(group).count == group.count else {
                        throw JSONError(message: "field \"\(object.fieldPath("groups"))[\(g)]\" must list distinct indices in 0..<\(size), found \(group.prefix(12))")
                    }
                }
                score = .logGroupSum(groups: groups)
            case let other:
                throw JSONError(message: "field \"\(object.fieldPath("score"))\" is \"\(other)\", expected \"log_probability\" or \"log_group_sum\"")
            }
            terms.append(Term(member: member, memberName: memberName, output: output, score: score, weights: try numbers(object, "weights")))
        }
        guard !terms.isEmpty, terms.count <= 16 else {
            throw JSONError(message: "field \"\(json.fieldPath("terms"))\" has \(terms.count) terms, expected 1...16")
        }
        for k in 1..<all.count where !terms.contains(where: { $0.member == k }) {
            throw JSONError(message: "field \"\(json.fieldPath("terms"))\": member \"\(names[k])\" is in no term (it would run for nothing)")
        }
        self.terms = terms
    }
}
