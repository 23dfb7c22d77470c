package ddx

// WithViewWriter points the local trace view at w, for the external tests.
var WithViewWriter = withViewWriter
