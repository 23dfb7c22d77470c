package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/ddx-go/ddx/errors"
)

// memoryStore is a store in memory, for the tests of the handlers.
type memoryStore struct {
	mu    sync.RWMutex
	items map[int]item
}

func newMemoryStore() *memoryStore {
	return &memoryStore{items: map[int]item{1: {1, "keyboard"}, 2: {2, "mouse"}}}
}

func (m *memoryStore) Get(_ context.Context, id int) (item, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	it, ok := m.items[id]
	if !ok {
		return item{}, errors.E(errors.Op("memoryStore.Get"), errors.NotFound, fmt.Sprintf("item %d not found", id))
	}
	return it, nil
}

func (m *memoryStore) Count(context.Context) (int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.items), nil
}
