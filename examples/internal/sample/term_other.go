//go:build !linux

package sample

import (
	"errors"
	"os"
)

func openPTY() (master, slave *os.File, err error) {
	return nil, nil, errors.New("no pseudo-terminal on this system")
}
