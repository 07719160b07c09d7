/// Judges zombie lifetimes over sampled process trees (pure, no /proc access).
public enum ZombieCheck {
    /// Violations: a process (pid + start time) seen in state Z in two
    /// consecutive samples (it outlived the master's reap turn), or in state Z
    /// in the final sample. One message per zombie, with times for evidence.
    ///
    /// The second sighting counts when the master was then asleep (S, or
    /// unknown): SIGCHLD wakes it at once, so it ignored the death. A master
    /// seen runnable (R: woken, waiting for a CPU) or inside a syscall (D) is
    /// given up to `starvedLimit` seconds: on 2 shared cores the scheduler
    /// alone can hold it back for tens of milliseconds (the same rule as
    /// chaos-run's no-zombies invariant).
    public static func violations(_ samples: [ProcessSample], starvedLimit: Double = 1.0) -> [String] {
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
                let age = Double(sample.time &- firstSeen) / 1e6
                let masterIgnoredIt = (sample.masterState ?? "S") == "S" || age >= starvedLimit * 1000
                guard (previousZombies[key] != nil && masterIgnoredIt) || isLast, reported.insert(key).inserted else { continue }
                let why = previousZombies[key] != nil ? "in consecutive samples" : "in the final sample"
                let master = sample.masterState.map { ", master \($0)" } ?? ""
                messages.append("zombie pid=\(child.pid) comm=\(child.comm) seen \(why), for at least \(age) ms (sample \(index)\(master))")
            }
            previousZombies = current
        }
        return messages
    }
}
