#!/usr/bin/env bash
# The CMake package (issue 14): `make install` into a DESTDIR stage, then a
# CMake project outside the tree finds it with find_package(sigv4rs CONFIG)
# and builds a C and a C++ program against sigv4rs::sigv4rs and
# sigv4rs::static; each signs the official suite's get-vanilla case. Then the
# version rule, a moved prefix, and `make uninstall` leaving no file behind.
# Last line: cmake ok (c: shared+static, c++: shared+static, uninstall clean, N s)
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
root=$PWD
work=$root/target/install/cmake
stage=$work/stage
prefix=/usr/local
log=$work/log
rm -rf "$work"
mkdir -p "$work/project" "$work/probe"
: >"$log"

fail() { echo "cmake: FAILED: $*" >&2; exit 1; }
# Quiet unless it fails; then the end of its output.
run() { "$@" >>"$log" 2>&1 || { tail -n 40 "$log" >&2; fail "$*"; }; }

version=$(sed -n '/^version = /{s/^version = "\(.*\)"/\1/p;q}' Cargo.toml)
IFS=. read -r major minor patch <<<"$version"
soname=libsigv4rs.so.$major.$minor
case=tests/data/aws-sig-v4-test-suite/v4/get-vanilla
expected=$(cat "$case/header-signature.txt")

# Another minor's runtime files, as a system with two versions has them:
# `make uninstall` must leave them.
old_minor=$(( minor > 0 ? minor - 1 : minor + 1 ))
mkdir -p "$stage$prefix/lib"
echo old >"$stage$prefix/lib/libsigv4rs.so.$major.$old_minor.0"
ln -s "libsigv4rs.so.$major.$old_minor.0" "$stage$prefix/lib/libsigv4rs.so.$major.$old_minor"

run make --no-print-directory install DESTDIR="$stage" PREFIX="$prefix"
installed=$(cd "$stage" && find . \( -type f -o -type l \) ! -name "libsigv4rs.so.$major.$old_minor*" | sort)
[ -f "$stage$prefix/lib/cmake/sigv4rs/sigv4rsConfig.cmake" ] || fail "no sigv4rsConfig.cmake installed"
[ -f "$stage$prefix/lib/cmake/sigv4rs/sigv4rsConfigVersion.cmake" ] || fail "no sigv4rsConfigVersion.cmake installed"
[ -f "$stage$prefix/lib/pkgconfig/sigv4rs.pc" ] || fail "no sigv4rs.pc installed"
[ -f "$stage$prefix/include/sigv4rs.hpp" ] || fail "include/sigv4rs.hpp not installed"

# Only the stage: neither a real install in /usr/local nor a package registry
# may answer for it.
cmake_find=(-DCMAKE_FIND_USE_CMAKE_SYSTEM_PATH=OFF -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)

cat >"$work/project/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.16)
project(sigv4rs_consumer LANGUAGES C CXX)
find_package(sigv4rs $major.$minor CONFIG REQUIRED)

set(CMAKE_C_STANDARD 99)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_C_EXTENSIONS OFF)
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
add_compile_options(-Wall -Wextra -Wpedantic -Werror)

foreach(kind shared static)
  if(kind STREQUAL "shared")
    set(lib sigv4rs::sigv4rs)
  else()
    set(lib sigv4rs::static)
  endif()
  add_executable(c_\${kind} sign.c)
  target_link_libraries(c_\${kind} PRIVATE \${lib})
  add_executable(cxx_\${kind} sign.cpp)
  target_link_libraries(cxx_\${kind} PRIVATE \${lib})
endforeach()
EOF

cat >"$work/project/sign.c" <<'EOF'
/* The official suite's get-vanilla case; prints the signature. */
#include <stdio.h>
#include <string.h>
#include <sigv4rs.h>

int main(void)
{
    sigv4rs_config cfg = {0};
    cfg.access_key_id = sigv4rs_cstr("AKIDEXAMPLE");
    cfg.secret_access_key = sigv4rs_cstr("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    cfg.region = sigv4rs_cstr("us-east-1");
    cfg.service = sigv4rs_cstr("service");

    sigv4rs_signer *signer;
    sigv4rs_status st = sigv4rs_signer_new(&cfg, &signer);
    if (st != SIGV4RS_STATUS_OK) {
        fprintf(stderr, "signer: %s\n", sigv4rs_status_str(st));
        return 1;
    }
    sigv4rs_request req = {0};
    req.method = sigv4rs_cstr("GET");
    req.url = sigv4rs_cstr("https://example.amazonaws.com/");

    uint8_t out[1024];
    size_t len;
    /* 2015-08-30T12:36:00Z */
    st = sigv4rs_signer_sign_headers(signer, &req, 1440938160, out, sizeof out, &len);
    sigv4rs_signer_free(signer);
    if (st != SIGV4RS_STATUS_OK) {
        fprintf(stderr, "sign: %s\n", sigv4rs_status_str(st));
        return 1;
    }
    for (size_t i = 0; i < len; i += strlen((const char *)out + i) + 1) {
        const char *sig = strstr((const char *)out + i, "Signature=");
        if (sig != NULL) {
            printf("%s %s\n", sigv4rs_version(), sig + strlen("Signature="));
            return 0;
        }
    }
    fprintf(stderr, "no Authorization header\n");
    return 1;
}
EOF

cat >"$work/project/sign.cpp" <<'EOF'
// The official suite's get-vanilla case from C++, through the installed
// wrapper (sigv4rs.hpp); prints the version and the signature.
#include <iostream>
#include <string>

#include <sigv4rs.hpp>

int main()
{
    sigv4rs::config cfg;
    cfg.access_key_id = "AKIDEXAMPLE";
    cfg.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    cfg.region = "us-east-1";
    cfg.service = "service";
    try {
        const sigv4rs::signer signer(cfg);
        sigv4rs::request req;
        req.method = "GET";
        req.url = "https://example.amazonaws.com/";
        for (const auto &[name, value] : signer.sign_headers(req, 1440938160)) {
            const std::string key = "Signature=";
            const auto at = value.find(key);
            if (name == "Authorization" && at != std::string::npos) {
                std::cout << sigv4rs_version() << ' ' << value.substr(at + key.size()) << '\n';
                return 0;
            }
        }
        std::cerr << "no Authorization header\n";
    } catch (const sigv4rs::error &e) {
        std::cerr << e.what() << '\n';
    }
    return 1;
}
EOF

run cmake -S "$work/project" -B "$work/project/build" "${cmake_find[@]}" \
  -DCMAKE_PREFIX_PATH="$stage$prefix"
run cmake --build "$work/project/build" -j 2

for lang in c cxx; do
  for kind in shared static; do
    exe=$work/project/build/${lang}_$kind
    out=$("$exe") || fail "$lang $kind: the program failed"
    [ "$out" = "$version $expected" ] || fail "$lang $kind: got '$out', want '$version $expected'"
    needed=$(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    if [ "$kind" = shared ]; then
      grep -qx "$soname" <<<"$needed" || fail "$lang shared: does not NEED $soname"
      # The staged copy, not some other one (no pipe: grep -q would cut ldd off).
      resolved=$(ldd "$exe")
      grep -q "$soname => $stage$prefix/lib/$soname" <<<"$resolved" \
        || fail "$lang shared: $soname not resolved into the stage"
    else
      ! grep -q libsigv4rs <<<"$needed" || fail "$lang static: NEEDs a libsigv4rs"
    fi
  done
done

# The version rule (the SONAME's): same minor before 1.0, never older than asked;
# a range takes what it spans.
cat >"$work/probe/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.19)
project(sigv4rs_probe LANGUAGES C)
find_package(sigv4rs ${REQ} CONFIG)
if(sigv4rs_FOUND)
  get_target_property(loc sigv4rs::static IMPORTED_LOCATION)
  message(STATUS "probe: found ${sigv4rs_VERSION} at ${loc}")
  get_target_property(soname sigv4rs::sigv4rs IMPORTED_SONAME)
  get_target_property(native sigv4rs::static INTERFACE_LINK_LIBRARIES)
  message(STATUS "props: soname=${soname} native=${native}")
else()
  message(STATUS "probe: not found")
endif()
EOF
# probe REQUEST [PREFIX]: "found VERSION at PATH" or "not found".
probe() {
  local p=${2:-$stage$prefix} out
  out=$(cmake -S "$work/probe" -B "$work/probe/build" -U 'sigv4rs*' "${cmake_find[@]}" \
          -DCMAKE_PREFIX_PATH="$p" -DREQ="$1" 2>&1) || { echo "$out" >&2; fail "probe '$1' did not configure"; }
  sed -n 's/^-- probe: //p' <<<"$out"
  sed -n 's/^-- props: //p' <<<"$out" >"$work/probe/props"
}
expect_found() {
  local got; got=$(probe "$1")
  [ "$got" = "found $version at $stage$prefix/lib/libsigv4rs.a" ] || fail "find_package(sigv4rs $1): $got"
}
expect_missing() {
  local got; got=$(probe "$1")
  [ "$got" = "not found" ] || fail "find_package(sigv4rs $1) must fail: $got"
}
next=$major.$(( minor + 1 ))
expect_found ""
expect_found "$major.$minor"
expect_found "$version"
expect_found "$major.$minor...<$next"
expect_missing "$next"
expect_missing "$major.$minor.$(( patch + 1 ))"
[ "$old_minor" -lt "$minor" ] && expect_missing "$major.$old_minor"
expect_missing "$next...$major.$(( minor + 2 ))"

# The static target carries the Makefile's NATIVE_LIBS (pthread as
# Threads::Threads, dl as CMAKE_DL_LIBS): glibc 2.34+ links without most of
# them, so look at the property and the link line rather than trust a link.
expect_found "$major.$minor"
native=$(sed -n 's/^NATIVE_LIBS := //p' Makefile)
want=$(sed -e 's/-lpthread/Threads::Threads/' -e 's/-l//g' -e 's/ /;/g' <<<"$native")
[ "$(cat "$work/probe/props")" = "soname=$soname native=$want" ] \
  || fail "target properties: $(cat "$work/probe/props"), want soname=$soname native=$want"
for l in $native; do
  [ "$l" = -lpthread ] && continue
  grep -q -- "libsigv4rs.a .*$l\b" "$work/project/build/CMakeFiles/c_static.dir/link.txt" \
    || fail "c_static is not linked with $l"
done

# Relocatable: a copy of the prefix elsewhere finds its own files.
cp -a "$stage$prefix" "$work/moved"
got=$(probe "$major.$minor" "$work/moved")
[ "$got" = "found $version at $work/moved/lib/libsigv4rs.a" ] || fail "moved prefix: $got"
rm -rf "$work/moved"

run make --no-print-directory uninstall DESTDIR="$stage" PREFIX="$prefix"
left=$(cd "$stage" && find . \( -type f -o -type l \) | sort)
want_left=$(printf './usr/local/lib/libsigv4rs.so.%s\n./usr/local/lib/libsigv4rs.so.%s.0\n' \
              "$major.$old_minor" "$major.$old_minor" | sort)
[ "$left" = "$want_left" ] || fail "after uninstall, left: $(tr '\n' ' ' <<<"$left")"
[ ! -e "$stage$prefix/lib/cmake" ] || fail "uninstall left $prefix/lib/cmake"
rm -f "$stage$prefix/lib/libsigv4rs.so.$major.$old_minor" "$stage$prefix/lib/libsigv4rs.so.$major.$old_minor.0"
[ -z "$(find "$stage" \( -type f -o -type l \))" ] || fail "stage not empty"

echo "cmake: $(wc -l <<<"$installed") files installed, C++ through sigv4rs.hpp," \
  "static c $(stat -c %s "$work/project/build/c_static") B, shared c $(stat -c %s "$work/project/build/c_shared") B"
echo "cmake ok (c: shared+static, c++: shared+static, uninstall clean, $(( $(date +%s) - start )) s)"
