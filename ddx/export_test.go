package ddx

// WithViewWriter points the local trace view at w, for the external tests.
var WithViewWriter = withViewWriter

// KnownKey is knownKey, for the external test that checks the integrations'
// attribute names against it.
var KnownKey = knownKey
