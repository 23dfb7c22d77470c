package ddx

// viewSetting is whether the local trace view shows traces.
type viewSetting uint8

const (
	viewAuto viewSetting = iota // decided by DD_ENV and the Agent
	viewOn
	viewOff
)
