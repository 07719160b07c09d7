/// The one place the release version lives. Every binary's `--version` prints
/// it, scripts/package-deb.sh names the .deb after it (read from
/// `preforkd --version`), and scripts/dependent-package.sh tags its clone with
/// it. Bump it here, then tag the commit with the same string.
public enum PreforkVersion {
    /// Semantic version: MAJOR.MINOR.PATCH.
    public static let string = "0.9.0"
}
