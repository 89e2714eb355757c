#!/usr/bin/env bash
# Go from outside this repository (issue 14): `make install` into a staging
# prefix, then a new module, example.com/signapp, that only imports the
# package builds offline through pkg-config, shared (the default) and static
# (-tags sigv4rs_static), and signs the official suite's get-vanilla.
# Needs `cargo build --release` (make install runs it), go, gcc, pkg-config.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=$ROOT/target/install/go
PREFIX=$WORK/prefix
APP=$WORK/signapp
# Everything but the Go build cache starts afresh.
rm -rf "$PREFIX" "$APP" "$WORK/empty" "$WORK"/*.log
mkdir -p "$APP" "$WORK/empty"

fail() { echo "go: $*" >&2; exit 1; }
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }
for tool in go gcc pkg-config readelf ldd; do
  command -v $tool >/dev/null || fail "$tool not found"
done
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
SONAME=libsigv4rs.so.0.$(echo "$VERSION" | cut -d. -f2)
WANT='AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'

t0=$(now)
make --no-print-directory install PREFIX="$PREFIX" > "$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log" >&2; fail "make install PREFIX=$PREFIX failed"; }
t_install=$(secs "$t0" "$(now)")
test -f "$PREFIX/lib/pkgconfig/sigv4rs.pc" || fail "make install wrote no $PREFIX/lib/pkgconfig/sigv4rs.pc"

# What a user writes: the module (not published) through a replace to this
# checkout, and a main that only imports the package.
cat > "$APP/go.mod" <<MOD
module example.com/signapp

go 1.19

require github.com/sigv4rs/sigv4rs-go v0.0.0

replace github.com/sigv4rs/sigv4rs-go => $ROOT/bindings/go
MOD
cat > "$APP/main.go" <<'GO'
package main

import (
	"fmt"
	"net/http"
	"os"
	"time"

	sigv4rs "github.com/sigv4rs/sigv4rs-go"
)

func main() {
	s, err := sigv4rs.NewSigner(sigv4rs.Config{
		AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		Region: "us-east-1", Service: "service",
		Now: func() time.Time { return time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC) },
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer s.Close()
	req, _ := http.NewRequest("GET", "https://example.amazonaws.com/", nil)
	if err := s.Sign(req, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(sigv4rs.Version())
	fmt.Println(req.Header.Get("Authorization"))
}
GO

# Offline, nothing from the caller's Go or cgo settings; only the staged
# prefix's pkg-config directory is searched.
unset GOPATH GOROOT GOWORK CGO_CFLAGS CGO_LDFLAGS GOOS GOARCH PKG_CONFIG_SYSROOT_DIR LD_LIBRARY_PATH
export GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off GOWORK=off GO111MODULE=on CGO_ENABLED=1
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" PKG_CONFIG_LIBDIR="$WORK/empty"
# Go's cache keys ignore pkg-config's output and the installed files
# (golang/go#24355); a digest of them in CGO_CFLAGS keeps the kept cache
# honest after a reinstall.
export GOCACHE=$WORK/gocache
STAMP=$(cat "$PREFIX/include/sigv4rs.h" "$PREFIX/lib/libsigv4rs.a" "$PREFIX/lib/$SONAME" \
  "$PREFIX/lib/pkgconfig/sigv4rs.pc" | sha256sum | cut -c1-16)
export CGO_CFLAGS="-O2 -g -DSIGV4RS_BUILD_STAMP=$STAMP"

check_output() { # binary
  local out
  out=$("$1") || fail "$1 failed"
  [ "$(sed -n 1p <<< "$out")" = "$VERSION" ] || fail "$1: version $(sed -n 1p <<< "$out"), want $VERSION"
  [ "$(sed -n 2p <<< "$out")" = "$WANT" ] || fail "$1: get-vanilla signed as: $(sed -n 2p <<< "$out")"
}

# 1. The default: pkg-config, libsigv4rs.so (an rpath, the prefix being
#    outside the loader's path).
t0=$(now)
(cd "$APP" && CGO_LDFLAGS="-Wl,-rpath,$PREFIX/lib" go build -o signapp .) > "$WORK/build-shared.log" 2>&1 ||
  { cat "$WORK/build-shared.log" >&2; fail "go build (default, pkg-config) failed"; }
t_shared=$(secs "$t0" "$(now)")
needed=$(readelf -d "$APP/signapp" | sed -n 's/.*(NEEDED).*\[\(libsigv4rs[^]]*\)\]/\1/p')
[ "$needed" = "$SONAME" ] || fail "default build needs '${needed}', want $SONAME"
resolved=$(ldd "$APP/signapp" | sed -n 's/.*libsigv4rs[^ ]* => \([^ ]*\) .*/\1/p')
[ "$resolved" = "$PREFIX/lib/$SONAME" ] || fail "default build loads '$resolved', want $PREFIX/lib/$SONAME"
check_output "$APP/signapp"

# 2. -tags sigv4rs_static: pkg-config --static, libsigv4rs.a; no .so needed.
t0=$(now)
(cd "$APP" && go build -tags sigv4rs_static -o signapp-static .) > "$WORK/build-static.log" 2>&1 ||
  { cat "$WORK/build-static.log" >&2; fail "go build -tags sigv4rs_static failed"; }
t_static=$(secs "$t0" "$(now)")
if readelf -d "$APP/signapp-static" | grep -q 'NEEDED.*libsigv4rs'; then
  fail "static build still needs libsigv4rs.so"
fi
check_output "$APP/signapp-static"

# 3. Without the installed library the default build must fail, naming
#    pkg-config: the package reaches no copy of its own.
if (cd "$APP" && PKG_CONFIG_PATH= go build -o signapp-none .) > "$WORK/build-none.log" 2>&1; then
  fail "go build succeeded with no sigv4rs.pc on the pkg-config path"
fi
grep -q 'pkg-config.*sigv4rs' "$WORK/build-none.log" ||
  { cat "$WORK/build-none.log" >&2; fail "go build without sigv4rs.pc failed for another reason"; }

mb() { awk -v n="$(stat -c %s "$1")" 'BEGIN { printf "%.1f MB", n / 1e6 }'; }
echo "go ok (example.com/signapp via pkg-config, offline: default $(mb "$APP/signapp") needs $SONAME, sigv4rs_static $(mb "$APP/signapp-static") needs none; get-vanilla signed; make install ${t_install} s, go build ${t_shared} s + ${t_static} s)"
