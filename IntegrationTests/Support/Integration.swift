import Testing

/// Every integration suite nests in this one: `.serialized` is inherited by
/// nested suites, so no two tests that spawn or signal run at the same time
/// (on 2 cores, parallel daemons make timing checks meaningless).
@Suite(.serialized) enum Integration {}
