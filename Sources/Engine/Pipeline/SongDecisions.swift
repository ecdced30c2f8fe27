#if canImport(Glibc)
import Glibc
#endif

/// How a song (a stretch the decisions treat as one piece of music) began.
public enum SongStart: String, Sendable {
    /// The first music of the input, or after a stall.
    case start
    /// The genre evidence changed while music went on: a new song back to back.
    case boundary
    /// Talk (speech or other non-music) lasted long enough to end the song before.
    case afterTalk = "after_talk"
    /// Silence lasted long enough to end the song before.
    case afterSilence = "after_silence"
}

/// Song-aware genre decisions: within a song the label is the decision over all of the
/// song's windows so far (the sum of their log-probabilities, as a track-level
/// classifier decides), and a song ends where the audio says so.
///
/// A song ends at a change of genre evidence, found by Page's CUSUM test: for every
/// other genre g, `C_g = max(0, C_g + log p_g - log p_label)` over the song's windows;
/// when one passes `changeNats`, a new song began where that C_g last rose from zero,
/// and its evidence is rebuilt from the windows kept since then (a bounded history).
/// Odd windows inside a song rarely agree with each other for long enough; a new song
/// of another genre does from its first windows. Talk or silence lasting a set time
/// ends the song too, and the next one starts with no carried belief.
///
/// Bounded and allocation-free after `init`: per window a few passes over the genres.
public struct SongDecisions: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Seconds between window starts.
        public var hopSeconds: Double
        /// Evidence below this probability counts as this: one window scoring a genre 0
        /// cannot rule it out for the song, nor one odd window weigh without limit.
        var evidenceFloor: Double
        /// CUSUM threshold, in nats of log-probability ratio, for a new song back to back.
        public var changeNats: Double
        /// Talk (speech, other) of at least this long ends the song.
        public var talkResetSeconds: Double
        /// Silence of at least this long ends the song.
        var silenceResetSeconds: Double

        public init(hopSeconds: Double = 3, evidenceFloor: Double = SongDecisions.defaultEvidenceFloor,
                    changeNats: Double = SongDecisions.defaultChangeNats,
                    talkResetSeconds: Double = SongDecisions.defaultTalkResetSeconds,
                    silenceResetSeconds: Double = SongDecisions.defaultSilenceResetSeconds) {
            self.hopSeconds = hopSeconds
            self.evidenceFloor = evidenceFloor
            self.changeNats = changeNats
            self.talkResetSeconds = talkResetSeconds
            self.silenceResetSeconds = silenceResetSeconds
        }
    }

    /// Chosen on the radio benchmark (`python3 training/evaluation/radio_benchmark.py`, figures in
    /// Weights/genre-fusion.md).
    public static let defaultEvidenceFloor = 0.0003
    public static let defaultChangeNats = 8.0
    public static let defaultTalkResetSeconds = 9.0
    public static let defaultSilenceResetSeconds = 3.0
    /// Windows of evidence kept for rebuilding a new song's start.
    static let historyWindows = 16

    /// One window's decision.
    public struct Decision: Sendable, Equatable {
        public var label: Int
        /// Mean probability of `label` over the song's windows so far.
        public var confidence: Double
        /// Non-nil on the first window of a song.
        public var songStart: SongStart?
    }

    public let settings: Settings
    private let genres: Int
    /// Sum over the song's windows of each genre's log-evidence, and of its probability.
    private var songScore: [Double]
    private var songProbability: [Double]
    private var songWindows = 0
    private var label = 0
    /// CUSUM statistic per genre against `label`, and the window number where it last left zero.
    private var change: [Double]
    private var changeStart: [Int]
    /// The last `historyWindows` music windows' log-evidence and probabilities, row `n % historyWindows`.
    private var historyScore: [Double]
    private var historyProbability: [Double]
    /// Music windows of the input so far (the history's clock).
    private var musicWindows = 0
    /// Why the next music window starts a song; nil while a song goes on.
    private var pendingStart: SongStart? = .start
    /// The current song: its first music window, and how it began.
    private var song = Song(firstWindow: 0, start: .start, label: 0, confidence: 0)
    /// The songs before it, newest at `(endedCount - 1) % endedCapacity`: what a lagged
    /// decision about one of their windows reads.
    private var ended: [Song]
    private var endedCount = 0
    /// Songs kept after they end: at least one more than the windows a decision may lag.
    let endedCapacity: Int

    /// A song as decided so far.
    private struct Song: Sendable {
        var firstWindow: Int
        var start: SongStart
        var label: Int
        var confidence: Double
    }
    private var talkSeconds = 0.0, silenceSeconds = 0.0

    /// `lagWindows`: how many windows back `decision(forMusicWindow:)` will be asked about.
    public init(genres: Int, settings: Settings = Settings(), lagWindows: Int = 0) {
        precondition(genres > 0 && lagWindows >= 0)
        endedCapacity = lagWindows + 2
        ended = Array(repeating: Song(firstWindow: 0, start: .start, label: 0, confidence: 0), count: endedCapacity)
        self.genres = genres
        self.settings = settings
        songScore = [Double](repeating: 0, count: genres)
        songProbability = [Double](repeating: 0, count: genres)
        change = [Double](repeating: 0, count: genres)
        changeStart = [Int](repeating: 0, count: genres)
        historyScore = [Double](repeating: 0, count: genres * Self.historyWindows)
        historyProbability = [Double](repeating: 0, count: genres * Self.historyWindows)
    }

    /// A new input, or a stall: the next music starts afresh.
    public mutating func reset() {
        pendingStart = .start
        talkSeconds = 0
        silenceSeconds = 0
    }

    /// A window of talk (speech, other): long enough, it ends the song.
    public mutating func talk() {
        talkSeconds += settings.hopSeconds
        if talkSeconds + silenceSeconds >= settings.talkResetSeconds { pendingStart = .afterTalk }
    }

    /// A silent window: long enough, it ends the song.
    public mutating func silence() {
        silenceSeconds += settings.hopSeconds
        // Talk with pauses in it is talk; silence alone, a song's end.
        if talkSeconds > 0 && talkSeconds + silenceSeconds >= settings.talkResetSeconds { pendingStart = .afterTalk }
        else if silenceSeconds >= settings.silenceResetSeconds { pendingStart = .afterSilence }
    }

    /// One music window's probabilities over the genres (renormalised); its decision.
    public mutating func music(_ probabilities: UnsafeBufferPointer<Float>) -> Decision {
        precondition(probabilities.count == genres)
        talkSeconds = 0
        silenceSeconds = 0
        let row = (musicWindows % Self.historyWindows) * genres
        for g in 0..<genres {
            let p = max(Double(probabilities[g]), settings.evidenceFloor)
            historyScore[row + g] = log(p)
            historyProbability[row + g] = Double(probabilities[g])
        }
        musicWindows += 1
        var start = pendingStart
        pendingStart = nil
        if let start {
            beginSong(fromWindow: musicWindows - 1, start: start)
        } else {
            addToSong(row: row)
            // Page's test against the label the song had before this window.
            var changed = -1
            for g in 0..<genres where g != label {
                let before = change[g]
                change[g] = max(0, before + historyScore[row + g] - historyScore[row + label])
                if before == 0 && change[g] > 0 { changeStart[g] = musicWindows - 1 }
                if change[g] > settings.changeNats && (changed < 0 || change[g] > change[changed]) { changed = g }
            }
            if changed >= 0 {
                beginSong(fromWindow: changeStart[changed], start: .boundary)
                start = .boundary
            }
        }
        label = 0
        for g in 1..<genres where songScore[g] > songScore[label] { label = g }
        change[label] = 0
        song.label = label
        song.confidence = songProbability[label] / Double(songWindows)
        return Decision(label: label, confidence: song.confidence, songStart: start)
    }

    /// Music windows so far: the number the next one will have, counting from 0.
    var musicWindowCount: Int { musicWindows }

    /// The decision about music window `n` as it stands now, with the windows after it
    /// known: the label of the song it turned out to belong to (a boundary found later
    /// may have moved it to the next song), and the song's start if `n` is its first
    /// window. For the fixed-lag option; `n` at most `endedCapacity - 2` windows back.
    func decision(forMusicWindow n: Int) -> Decision {
        var found = song
        var k = endedCount
        while found.firstWindow > n && k > 0 && endedCount - k < endedCapacity {
            k -= 1
            found = ended[k % endedCapacity]
        }
        return Decision(label: found.label, confidence: found.confidence, songStart: found.firstWindow == n ? found.start : nil)
    }

    /// A song made of the kept windows from `first` to the newest (at most the history's length).
    private mutating func beginSong(fromWindow first: Int, start: SongStart) {
        if musicWindows > 1 {
            ended[endedCount % endedCapacity] = song
            endedCount += 1
        }
        let from = max(first, musicWindows - Self.historyWindows)
        song = Song(firstWindow: from, start: start, label: label, confidence: 0)
        for g in 0..<genres {
            songScore[g] = 0
            songProbability[g] = 0
            change[g] = 0
        }
        songWindows = 0
        for n in from..<musicWindows {
            addToSong(row: (n % Self.historyWindows) * genres)
        }
    }

    private mutating func addToSong(row: Int) {
        for g in 0..<genres {
            songScore[g] += historyScore[row + g]
            songProbability[g] += historyProbability[row + g]
        }
        songWindows += 1
    }
}
