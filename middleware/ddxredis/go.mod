module github.com/ddx-go/ddx/middleware/ddxredis

go 1.26.0

require (
	github.com/DataDog/dd-trace-go/v2 v2.12.0
	github.com/alicebob/miniredis/v2 v2.40.0
	github.com/ddx-go/ddx v0.1.0
	github.com/redis/go-redis/v9 v9.23.0
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
)
