package ddxgrpc

import (
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/ddx-go/ddx/errors"
)

// Linking ddxgrpc teaches errors.KindOf the gRPC codes, so that a status
// error from a plain gRPC client (a NotFound from a downstream service, an
// Unavailable from a balancer) is classified everywhere, by every
// integration, and not only by these interceptors. The errors package stays
// free of gRPC.
func init() { errors.RegisterClassifier(classifyStatus) }

// classifyStatus classifies one layer that is a gRPC status error. It does
// not unwrap: KindOf walks the chain and asks for each layer.
func classifyStatus(err error) (errors.Kind, bool) {
	gs, ok := err.(grpcStatuser)
	if !ok {
		return errors.Other, false
	}
	st := gs.GRPCStatus()
	if st == nil || st.Code() == codes.OK {
		return errors.Other, false
	}
	return kindOfCode(st.Code()), true
}

// withReason adds the error's errors.Code to st as the reason of an
// ErrorInfo detail, the standard place a gRPC client looks for a
// machine-readable reason (AIP-193). The domain is the gRPC service the
// method belongs to, "shop.v1.Orders" for "/shop.v1.Orders/Get".
func withReason(st *grpcstatus.Status, method string, code errors.Code) *grpcstatus.Status {
	domain := strings.TrimPrefix(method, "/")
	if i := strings.LastIndexByte(domain, '/'); i >= 0 {
		domain = domain[:i]
	}
	withInfo, err := st.WithDetails(&errdetails.ErrorInfo{Reason: string(code), Domain: domain})
	if err != nil {
		return st // an OK status cannot carry details; st is never OK here
	}
	return withInfo
}
