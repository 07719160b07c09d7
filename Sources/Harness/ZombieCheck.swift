/// Judges zombie lifetimes over sampled process trees (pure, no /proc access).
public enum ZombieCheck {
    /// Violations: a process (pid + start time) seen in state Z in two
    /// consecutive samples (it outlived the master's reap turn), or in state Z
    /// in the final sample. One message per zombie, with times for evidence.
    public static func violations(_ samples: [ProcessSample]) -> [String] {
        struct Key: Hashable { var pid: Int32; var start: UInt64 }
        var reported: Set<Key> = []
        var messages: [String] = []
        var previousZombies: [Key: UInt64] = [:]   // key -> time first seen as zombie in the run
        for (index, sample) in samples.enumerated() {
            var current: [Key: UInt64] = [:]
            for child in sample.children where child.isZombie {
                let key = Key(pid: child.pid, start: child.startTime)
                let firstSeen = previousZombies[key] ?? sample.time
                current[key] = firstSeen
                let isLast = index == samples.count - 1
                guard previousZombies[key] != nil || isLast, reported.insert(key).inserted else { continue }
                let age = Double(sample.time &- firstSeen) / 1e6
                let why = previousZombies[key] != nil ? "in consecutive samples" : "in the final sample"
                messages.append("zombie pid=\(child.pid) comm=\(child.comm) seen \(why), for at least \(age) ms (sample \(index))")
            }
            previousZombies = current
        }
        return messages
    }
}
