#!/usr/bin/env python3
"""botocore vs sigv4rs's default credential chain on generated environments.

Each case is a directory with a HOME, shared `config` / `credentials` files
(profiles, precedence conflicts, comments, odd formatting, broken files),
`credential_process` scripts (good JSON, non-zero exit, garbage, wrong
Version, expired, quoting in the command line) and environment variables
(keys, tokens, expirations, AWS_PROFILE / AWS_DEFAULT_PROFILE, file
locations, web identity, blank values). Always AWS_EC2_METADATA_DISABLED=true
and no container variables. Role and web-identity cases point STS at a closed
loopback port: botocore then fails with EndpointConnectionError after its
checks and source resolution; the example (no transport) with NoTransport
after the same checks (real STS calls: the remote helper's sts_* tests).

For each case, botocore.session.Session(profile=...).get_credentials() runs
in a worker process (a fresh Session per case, os.environ and the cwd
replaced) and examples/resolve_credentials runs with exactly the case's
environment. They agree when both give the same access key, secret, token
(None == ""), source (botocore's `method`) and expiration, or botocore gives
None and we NotFound, or botocore raises an exception class that EXC_KINDS
pairs with our error kind. Our error details must not contain any secret or
token of the case.

The differences we chose are in DIFFERENCES: the generator never produces
them, and each has a dedicated case whose two outcomes are checked exactly.

    python3 tests/creds/botocore_agreement.py --example PATH [--cases 600] [--seed 13] [--keep DIR]
    (python: one with botocore, e.g. target/pyvenv/bin/python; see run_sources.sh)

Prints `credentials: botocore agreement N/N`; exit 1 on any disagreement.
"""
import argparse
import json
import os
import random
import re
import shutil
import string
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

# botocore exception class -> (our error kinds that mean the same, the sources
# of ours that can raise it).
ROLE = {"AssumeRole", "WebIdentity"}
PROC = {"Process"}
EXC_KINDS = {
    "ConfigParseError": ({"Malformed"}, {"SharedConfigFile", "SharedCredentialsFile"}),  # a file does not parse
    "ProfileNotFound": ({"Config"}, {"SharedConfigFile"}),  # AWS_PROFILE / --profile names no profile
    "PartialCredentialsError": ({"Malformed", "Config"}, None),  # key without secret; role without a source
    "InvalidConfigError": ({"Config"}, ROLE),  # both/neither sources, unknown source, bad source_profile
    "InfiniteLoopConfigError": ({"Config"}, ROLE),  # source_profile loop
    "CredentialRetrievalError": ({"Fetch", "Malformed"}, None),  # process exit/Version/key; empty credential_source
    "JSONDecodeError": ({"Malformed"}, PROC),  # credential_process printed no JSON
    "AttributeError": ({"Malformed"}, PROC),  # ... or JSON that is not an object
    "UnicodeDecodeError": ({"Malformed"}, PROC),  # ... or not UTF-8
    "RuntimeError": ({"Expired"}, {"Environment", "Process"}),  # "refreshed credentials are still expired"
    "ParserError": ({"Malformed"}, {"Environment", "Process"}),  # dateutil: expiration that is no date
    "TypeError": ({"Malformed"}, {"Environment", "Process"}),  # expiration without a zone (naive - aware)
    "FileNotFoundError": ({"Fetch"}, PROC | {"WebIdentity"}),  # no such program / token file
    "PermissionError": ({"Fetch"}, PROC),  # not executable
    "ValueError": ({"Config"}, PROC),  # shlex: unbalanced quote in credential_process
    "IndexError": ({"Config"}, PROC),  # empty credential_process
    "EndpointConnectionError": ({"NoTransport"}, ROLE),  # reached the STS call
    "HTTPClientError": ({"NoTransport"}, ROLE),  # ... and urllib3 refused a header with a line break
}
# botocore's provider names in its messages -> our sources.
PROVIDER_SOURCE = {
    "env": "Environment",
    "shared-credentials-file": "SharedCredentialsFile",
    "config-file": "SharedConfigFile",
    "custom-process": "Process",
    "assume-role": "AssumeRole",
    "Environment": "Environment",
    "EcsContainer": "Container",
    "Ec2InstanceMetadata": "Imds",
}
METHOD_SOURCE = {
    "env": "Environment",
    "shared-credentials-file": "SharedCredentialsFile",
    "config-file": "SharedConfigFile",
    "custom-process": "Process",
}

# Named differences: (name, why we differ, botocore's outcome, ours). The
# cases are built by diff_case(name, ...). Not observable without STS or a
# terminal, so not shown here: the default role session name
# (`sigv4rs-session-<time>`, botocore `botocore-session-<time>`), AWS_REGION
# for STS (botocore reads only AWS_DEFAULT_REGION), mfa_serial (botocore
# prompts; we return Config; both fail without a terminal).
DIFFERENCES = [
    ("empty-static-key", "`aws_access_key_id =` (empty) with a secret: botocore hands out an empty key, "
     "we return Malformed naming the file", "ok", "err:Malformed"),
    ("nested-credential-value", "`aws_secret_access_key =` followed by an indented `a = b`: botocore's secret "
     "is a dict, we return Malformed", "ok", "err:Malformed"),
    ("process-empty-string", "credential_process JSON with \"AccessKeyId\": \"\": botocore accepts it, "
     "json.rs requires non-empty", "ok", "err:Malformed"),
    ("process-duplicate-key", "credential_process JSON with a field twice: Python keeps the last, "
     "json.rs refuses duplicates", "ok", "err:Malformed"),
    ("process-non-string", "credential_process JSON with a number as AccessKeyId: botocore passes the int on, "
     "json.rs wants a string", "ok", "err:Malformed"),
    ("process-version-true", "credential_process \"Version\": true: Python's True == 1, json.rs wants the number 1",
     "ok", "err:Malformed"),
    ("process-nan", "credential_process JSON with NaN in an unknown field: Python's json accepts it, "
     "RFC 8259 (json.rs) does not", "ok", "err:Malformed"),
    ("process-timeout", "a credential_process that takes 1.5 s with a 300 ms timeout: botocore has no timeout, "
     "we kill it", "ok", "err:Fetch"),
    ("blank-aws-profile", "AWS_PROFILE set to the empty string: botocore looks for profile \"\" "
     "(ProfileNotFound), we treat blank as unset (ProcessEnv)", "exc:ProfileNotFound", "ok"),
    ("expiration-free-form", "AWS_CREDENTIAL_EXPIRATION=\"2100-01-01 00:00:00 UTC\": dateutil reads free-form "
     "dates, we read RFC 3339", "ok", "err:Malformed"),
    ("ec2-tools-file", "AWS_CREDENTIAL_FILE (EC2 API tools format): botocore reads it, we skip it", "ok",
     "err:NotFound"),
    ("boto2-config", "~/.boto [Credentials]: botocore reads it, we skip it", "ok", "err:NotFound"),
    ("sso-profile", "a profile with sso_start_url: botocore's SSO provider (no cached token: error), "
     "we skip SSO", "exc:SSOTokenLoadError", "err:NotFound"),
]

PROFILE_POOL = ["default", "dev", "prod", "team a", "x.y", "Dev", "ci-1", "\u00fcn\u00ef"]
ROLE_ARN = "arn:aws:iam::123456789012:role/r"
STS_ENV = {
    # STS unreachable: botocore fails fast once it gets that far.
    "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9",
    "AWS_MAX_ATTEMPTS": "1",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Case:
    def __init__(self, idx, root):
        self.id = idx
        self.dir = os.path.join(root, "c%04d" % idx)
        self.home = os.path.join(self.dir, "home")
        self.env = {
            "HOME": self.home,
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        self.env.update(STS_ENV)
        self.files = {}  # absolute path -> bytes
        self.execs = set()
        self.profile = None  # explicit profile (Session(profile=) / --profile)
        self.args = []
        self.secrets = set()
        self.tags = []
        self.nscript = 0

    def add(self, path, data, executable=False):
        self.files[path] = data if isinstance(data, bytes) else data.encode()
        if executable:
            self.execs.add(path)

    def write(self):
        os.makedirs(self.home, exist_ok=True)
        for path, data in self.files.items():
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, 0o755 if path in self.execs else 0o644)

    def worker_spec(self):
        return {"id": self.id, "dir": self.dir, "env": self.env, "profile": self.profile}


class Gen:
    """Random pieces of one case."""

    def __init__(self, rng, case):
        self.r = rng
        self.c = case

    def chance(self, p):
        return self.r.random() < p

    def word(self, n, alphabet=string.ascii_uppercase + string.digits):
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def odd(self, base):
        # Values with characters that INI or JSON treat specially.
        if self.chance(0.8):
            return base
        return self.r.choice([
            base + " # not a comment",
            base + ";semi",
            "with space " + base,
            base + "=eq:colon",
            "\u00e4\u00f6-" + base,
            base + "\\back",
            '"' + base + '"',
        ])

    def akid(self):
        return self.odd("AKIA" + self.word(16))

    def secret(self):
        v = self.odd(self.word(40, string.ascii_letters + string.digits + "/+"))
        self.c.secrets.add(v)
        return v

    def token(self):
        v = "IQoJ" + self.word(self.r.randint(40, 160), string.ascii_letters + string.digits + "/+=")
        self.c.secrets.add(v)
        return v

    def expiration(self, allow_bad=True):
        now = time.time()
        choices = [
            ("future", iso(now + 7200)),
            ("future-frac", time.strftime("%Y-%m-%dT%H:%M:%S.123Z", time.gmtime(now + 86400))),
            ("future-offset", time.strftime("%Y-%m-%dT%H:%M:%S+02:00", time.gmtime(now + 3 * 3600))),
            ("soon", iso(now + 300)),
            ("past", iso(now - 3600)),
        ]
        if allow_bad:
            choices += [("garbage", "not-a-date"), ("naive", time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now + 7200)))]
        tag, v = self.r.choice(choices)
        self.c.tags.append("exp-" + tag)
        return v


# --- INI text -----------------------------------------------------------------


class Ini:
    """Builds a file line by line with botocore-legal and -illegal quirks."""

    def __init__(self, g):
        self.g = g
        self.sections = []  # (header, [lines])
        self.indent = ""

    def section(self, header_name):
        g = self.g
        h = "[%s]" % header_name
        if g.chance(0.05):
            h += "   # trailing text is ignored"
        elif g.chance(0.03):
            h = "  " + h + "  "
        lines = []
        self.sections.append((h, lines))
        return lines

    def kv(self, lines, key, value, allow_continuation=True):
        g = self.g
        if g.chance(0.15):
            key = key.upper()
        elif g.chance(0.05):
            key = key.title()
        delim = g.r.choice([" = ", "=", " =", "= ", " : ", ":", "\t=\t", "  =   "])
        indent = self.indent
        if g.chance(0.02):
            # Deeper than the previous key: a continuation of its value.
            indent += "    "
            g.c.tags.append("indented-key")
        tail = g.r.choice(["", "", "", " ", "\t", "  "])
        lines.append(indent + key + delim + value + tail)
        if allow_continuation and value and g.chance(0.04):
            lines.append(indent + "   more" + g.word(3))
            g.c.tags.append("continuation")

    def noise(self, lines):
        g = self.g
        if g.chance(0.15):
            lines.append(g.r.choice(["# comment = not a key", "; another", "   # indented comment", "", "   "]))

    def render(self):
        g = self.g
        out = []
        if g.chance(0.05):
            out.append("# top comment")
        if g.chance(0.04):
            out.append("[DEFAULT]")
            out.append("region = eu-west-1")
            if g.chance(0.5):
                out.append("aws_session_token = " + g.token())
                g.c.tags.append("default-section-token")
        for h, lines in self.sections:
            out.append(h)
            out.extend(lines)
            if g.chance(0.2):
                out.append("")
        # Broken files: botocore raises ConfigParseError for all of these.
        if g.chance(0.012) and self.sections:
            out.append(self.sections[0][0])
            g.c.tags.append("dup-section")
        if g.chance(0.012) and self.sections:
            out.insert(0, "aws_region = x")
            g.c.tags.append("no-header")
        if g.chance(0.012):
            out.append("this line has no delimiter")
            g.c.tags.append("bad-line")
        if g.chance(0.01):
            out.append("bad_nested =")
            out.append("    no equals sign here")
            g.c.tags.append("bad-nested")
        text = "\n".join(out) + g.r.choice(["\n", "\n", ""])
        nl = g.r.random()
        if nl < 0.08:
            text = text.replace("\n", "\r\n")
            g.c.tags.append("crlf")
        elif nl < 0.1:
            text = text.replace("\n", "\r")
            g.c.tags.append("cr")
        data = text.encode()
        if g.chance(0.008):
            data = b"\xef\xbb\xbf" + data
            g.c.tags.append("bom")
        if g.chance(0.008):
            data += b"\n# \xff\xfe\n"
            g.c.tags.append("not-utf8")
        return data


# --- credential_process scripts --------------------------------------------------


def process_command(g):
    """A credential_process value and its script(s); most succeed."""
    c = g.c
    c.nscript += 1
    n = c.nscript
    kind = g.r.choice(["ok"] * 8 + ["ok-args"] * 2 + ["exit", "garbage", "array", "empty-out", "v2", "no-version",
                      "version-str", "no-secret", "expired", "bad-exp", "null-token", "stderr", "missing",
                      "not-exec", "unbalanced", "empty-cmd", "sh-c", "latin1"])
    c.tags.append("proc-" + kind)
    space_dir = g.chance(0.2)
    d = os.path.join(c.dir, "my bin" if space_dir else "bin")
    doc = {"Version": 1, "AccessKeyId": "ASIA" + g.word(16), "SecretAccessKey": g.secret()}
    if g.chance(0.6):
        doc["SessionToken"] = g.token()
    if g.chance(0.4):
        doc["Expiration"] = g.expiration(allow_bad=False)
    if g.chance(0.1):
        doc["AccountId"] = "123456789012"
    status = 0
    body = None
    if kind == "exit":
        status = g.r.choice([1, 2, 255])
    elif kind == "garbage":
        body = "this is not json"
    elif kind == "array":
        body = "[1, 2]"
    elif kind == "empty-out":
        body = ""
    elif kind == "v2":
        doc["Version"] = 2
    elif kind == "no-version":
        del doc["Version"]
    elif kind == "version-str":
        doc["Version"] = "1"
    elif kind == "no-secret":
        del doc["SecretAccessKey"]
    elif kind == "expired":
        doc["Expiration"] = iso(time.time() - 60)
    elif kind == "bad-exp":
        doc["Expiration"] = "not-a-date"
    elif kind == "null-token":
        doc["SessionToken"] = None
    if body is None:
        body = json.dumps(doc, indent=g.r.choice([None, 2]), ensure_ascii=g.chance(0.5))
    script = os.path.join(d, "proc%d.sh" % n)
    stderr = 'echo "some diagnostics AKIA-not-a-key" >&2\n' if kind == "stderr" else ""
    text = "#!/bin/sh\n%scat <<'JSONEOF'\n%s\nJSONEOF\nexit %d\n" % (stderr, body, status)
    if kind == "latin1":
        c.add(script, b"#!/bin/sh\nprintf '{\"Version\":1,\"AccessKeyId\":\"\\351\",\"SecretAccessKey\":\"s\"}'\n", True)
    else:
        c.add(script, text, executable=(kind != "not-exec"))
    q = shell_quote(g, script) if space_dir else script
    if kind == "ok-args":
        # The key is the argv the program got: shlex splitting must match.
        py = os.path.join(d, "args%d.py" % n)
        c.add(py, "import json, sys\nprint(json.dumps({'Version': 1, 'AccessKeyId': '|'.join(sys.argv[1:]),"
                  " 'SecretAccessKey': %r}))\n" % doc["SecretAccessKey"])
        args = g.r.choice([
            "a b",
            "'a b' \"c d\"",
            "x\\ y 'it''s' \"q\\\"uote\" \"back\\\\slash\" \"keep\\n\"",
            "'' end",
            "--flag=\"v 1\" -- '$HOME' ~",
            "tab\there",
        ])
        return "%s %s %s" % (sys.executable if g.chance(0.5) else "python3", shell_quote(g, py), args)
    if kind == "missing":
        return os.path.join(c.dir, "no-such-program")
    if kind == "unbalanced":
        return '"' + script
    if kind == "empty-cmd":
        return ""
    if kind == "sh-c":
        return "sh -c 'exec \"$0\"' %s" % shell_quote(g, script)
    return q


def shell_quote(g, s):
    if " " not in s and g.chance(0.5):
        return s
    return g.r.choice(["'%s'" % s, '"%s"' % s, s.replace(" ", "\\ ")])


# --- one generated case -----------------------------------------------------------


def gen_case(idx, root, rng):
    c = Case(idx, root)
    g = Gen(rng, c)
    names = rng.sample(PROFILE_POOL, rng.randint(1, 4))
    if "default" not in names and g.chance(0.6):
        names.append("default")

    # Where the files are.
    cfg_path = os.path.join(c.home, ".aws", "config")
    cred_path = os.path.join(c.home, ".aws", "credentials")
    loc = rng.random()
    if loc < 0.1:
        cfg_path = os.path.join(c.dir, "alt", "my config")
        c.env["AWS_CONFIG_FILE"] = cfg_path
        c.tags.append("config-env")
    elif loc < 0.15:
        c.env["AWS_CONFIG_FILE"] = "~/cfg/config"
        cfg_path = os.path.join(c.home, "cfg", "config")
        c.tags.append("config-tilde")
    elif loc < 0.2:
        c.env["MYDIR"] = os.path.join(c.dir, "alt")
        c.env["AWS_CONFIG_FILE"] = rng.choice(["$MYDIR/config", "${MYDIR}/config"])
        cfg_path = os.path.join(c.dir, "alt", "config")
        c.tags.append("config-var")
    elif loc < 0.23:
        c.env["AWS_CONFIG_FILE"] = "alt/config"  # relative to the cwd
        cfg_path = os.path.join(c.dir, "alt", "config")
        c.tags.append("config-relative")
    loc = rng.random()
    if loc < 0.1:
        cred_path = os.path.join(c.dir, "alt", "creds")
        c.env["AWS_SHARED_CREDENTIALS_FILE"] = cred_path
        c.tags.append("creds-env")
    elif loc < 0.14:
        c.env["AWS_SHARED_CREDENTIALS_FILE"] = "~/elsewhere"
        cred_path = os.path.join(c.home, "elsewhere")
        c.tags.append("creds-tilde")
    elif loc < 0.17:
        c.env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(c.dir, "missing", "creds")
        cred_path = None
        c.tags.append("creds-missing")
    elif loc < 0.19:
        c.env["AWS_SHARED_CREDENTIALS_FILE"] = c.home  # a directory
        cred_path = None
        c.tags.append("creds-dir")

    creds_ini = Ini(g)
    config_ini = Ini(g)
    if g.chance(0.1):
        creds_ini.indent = "  "
    if g.chance(0.1):
        config_ini.indent = "\t"

    def static(ini, lines, ak=True):
        keys = []
        if ak:
            keys.append(("aws_access_key_id", g.akid()))
        if not ak or g.chance(0.93):
            keys.append(("aws_secret_access_key", g.secret()))
        else:
            c.tags.append("partial")
        t = rng.random()
        if t < 0.25:
            keys.append(("aws_session_token", g.token()))
        elif t < 0.32:
            keys.append(("aws_security_token", g.token()))
        elif t < 0.36:
            keys.append(("aws_session_token", g.token()))
            keys.append(("aws_security_token", g.token()))
            c.tags.append("both-tokens")
        elif t < 0.39:
            keys.append(("aws_session_token", ""))
            c.tags.append("empty-token")
        rng.shuffle(keys)
        for k, v in keys:
            ini.kv(lines, k, v)
            ini.noise(lines)

    def extras(ini, lines):
        if g.chance(0.3):
            ini.kv(lines, "region", rng.choice(["us-west-2", "eu-central-1"]))
        if g.chance(0.1):
            lines.append(ini.indent + "s3 =")
            lines.append(ini.indent + "    addressing_style = path")
            lines.append(ini.indent + "    max_concurrent_requests = 20")
            c.tags.append("nested")
        if g.chance(0.1):
            ini.kv(lines, "output", "json")

    def config_header(name):
        if name == "default" and g.chance(0.8):
            return "default"
        if " " in name:
            return rng.choice(['profile "%s"' % name, "profile '%s'" % name])
        r = rng.random()
        if r < 0.04:
            c.tags.append("profilex-quirk")
            return "profilex %s" % name
        if r < 0.08:
            c.tags.append("plain-section-in-config")
            return name  # not a profile in config (unless 'default')
        if r < 0.12:
            return "profile   %s " % name
        return "profile " + name

    roles = []
    for name in names:
        kind = rng.choice(["creds"] * 5 + ["config"] * 2 + ["both"] * 2 + ["process"] * 3 + ["process-creds"]
                          + ["role"] * 2 + ["webid"] + ["nothing"] + ["secret-only"])
        c.tags.append("p-" + kind)
        if kind in ("creds", "both", "secret-only"):
            hdr = name
            if g.chance(0.04):
                hdr = "profile " + name  # literal name in the credentials file
                c.tags.append("profile-prefix-in-creds")
            lines = creds_ini.section(hdr)
            static(creds_ini, lines, ak=(kind != "secret-only"))
            extras(creds_ini, lines)
        if kind in ("config", "both"):
            lines = config_ini.section(config_header(name))
            static(config_ini, lines)
            extras(config_ini, lines)
        if kind == "process":
            lines = config_ini.section(config_header(name))
            config_ini.kv(lines, "credential_process", process_command(g), allow_continuation=False)
            if g.chance(0.2):
                static(config_ini, lines)  # config keys lose to the process
            extras(config_ini, lines)
        if kind == "process-creds":
            # credential_process in the credentials file: botocore's merged view.
            lines = creds_ini.section(name)
            creds_ini.kv(lines, "credential_process", process_command(g), allow_continuation=False)
        if kind == "nothing":
            lines = config_ini.section(config_header(name))
            extras(config_ini, lines)
            if not lines:
                config_ini.kv(lines, "region", "us-east-2")
        if kind == "role":
            roles.append(name)
        if kind == "webid":
            lines = config_ini.section(config_header(name))
            tok = os.path.join(c.dir, "token-%s" % name.replace(" ", "_"))
            if g.chance(0.8):
                c.add(tok, "eyJ" + g.word(60, string.ascii_letters + string.digits))
            config_ini.kv(lines, "web_identity_token_file", tok, allow_continuation=False)
            if g.chance(0.85):
                config_ini.kv(lines, "role_arn", ROLE_ARN)
            if g.chance(0.3):
                config_ini.kv(lines, "role_session_name", "sess-" + g.word(4))

    for name in roles:
        role_profile(g, c, config_ini, creds_ini, config_header, name, names, static)

    # The environment.
    if g.chance(0.3):
        c.tags.append("env-keys")
        r = rng.random()
        c.env["AWS_ACCESS_KEY_ID"] = "" if r < 0.05 else "AKIA" + g.word(16)
        if not g.chance(0.08):
            c.env["AWS_SECRET_ACCESS_KEY"] = g.secret() if not g.chance(0.03) else ""
        t = rng.random()
        if t < 0.3:
            c.env["AWS_SESSION_TOKEN"] = g.token()
        elif t < 0.4:
            c.env["AWS_SECURITY_TOKEN"] = g.token()
        elif t < 0.5:
            c.env["AWS_SESSION_TOKEN"] = g.token()
            c.env["AWS_SECURITY_TOKEN"] = g.token() if g.chance(0.7) else ""
        if g.chance(0.2):
            c.env["AWS_CREDENTIAL_EXPIRATION"] = g.expiration() if g.chance(0.9) else ""
    elif g.chance(0.05):
        c.env["AWS_SECRET_ACCESS_KEY"] = g.secret()  # a secret alone: nothing
        c.tags.append("env-secret-only")

    if g.chance(0.06):
        c.tags.append("env-webid")
        tok = os.path.join(c.dir, "irsa-token")
        if g.chance(0.8):
            c.add(tok, "eyJ" + g.word(80, string.ascii_letters + string.digits))
        c.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = tok
        if g.chance(0.8):
            c.env["AWS_ROLE_ARN"] = ROLE_ARN
        if g.chance(0.4):
            c.env["AWS_ROLE_SESSION_NAME"] = "irsa"

    # Which profile.
    pick = lambda: rng.choice(names + ["ghost"] if g.chance(0.12) else names)  # noqa: E731
    r = rng.random()
    if r < 0.35:
        c.env["AWS_PROFILE"] = pick()
    elif r < 0.45:
        c.env["AWS_DEFAULT_PROFILE"] = pick()
    elif r < 0.55:
        c.env["AWS_PROFILE"] = pick()
        c.env["AWS_DEFAULT_PROFILE"] = pick()
    elif r < 0.7:
        c.profile = pick()
        c.args = ["--profile", c.profile]
        if g.chance(0.3):
            c.env["AWS_PROFILE"] = pick()

    if creds_ini.sections and cred_path:
        c.add(cred_path, creds_ini.render())
    if config_ini.sections:
        c.add(cfg_path, config_ini.render())
    return c


def role_profile(g, c, config_ini, creds_ini, config_header, name, names, static):
    rng = g.r
    lines = config_ini.section(config_header(name))
    config_ini.kv(lines, "role_arn", ROLE_ARN, allow_continuation=False)
    others = [n for n in names if n != name]
    kind = rng.choice(["src-static", "src-static", "src-process", "src-ghost", "src-self-static", "src-self",
                       "src-loop", "src-chain", "src-empty", "cs-env", "cs-ecs", "cs-imds", "cs-bad", "cs-lower",
                       "both", "neither", "with-webid"])
    c.tags.append("role-" + kind)
    src = "src-" + name.replace(" ", "_") + "-" + g.word(3).lower()
    if kind == "src-static":
        config_ini.kv(lines, "source_profile", src)
        ini = creds_ini if g.chance(0.5) else config_ini
        sl = ini.section(src if ini is creds_ini else "profile " + src)
        static(ini, sl)
    elif kind == "src-process":
        config_ini.kv(lines, "source_profile", src)
        sl = config_ini.section("profile " + src)
        config_ini.kv(sl, "credential_process", process_command(g), allow_continuation=False)
    elif kind == "src-ghost":
        config_ini.kv(lines, "source_profile", "ghost-" + src)
    elif kind == "src-self-static":
        config_ini.kv(lines, "source_profile", name)
        static(config_ini, lines)
    elif kind == "src-self":
        config_ini.kv(lines, "source_profile", name)
    elif kind == "src-loop":
        config_ini.kv(lines, "source_profile", src)
        sl = config_ini.section("profile " + src)
        config_ini.kv(sl, "role_arn", ROLE_ARN)
        config_ini.kv(sl, "source_profile", name)
    elif kind == "src-chain":
        config_ini.kv(lines, "source_profile", src)
        sl = config_ini.section("profile " + src)
        config_ini.kv(sl, "role_arn", ROLE_ARN)
        config_ini.kv(sl, "source_profile", src + "-base")
        bl = creds_ini.section(src + "-base")
        static(creds_ini, bl)
    elif kind == "src-empty":
        config_ini.kv(lines, "source_profile", src)
        sl = config_ini.section("profile " + src)
        config_ini.kv(sl, "region", "us-east-1")
    elif kind.startswith("cs-"):
        value = {"cs-env": "Environment", "cs-ecs": "EcsContainer", "cs-imds": "Ec2InstanceMetadata",
                 "cs-bad": "SharedConfig", "cs-lower": "environment"}[kind]
        config_ini.kv(lines, "credential_source", value)
    elif kind == "both":
        config_ini.kv(lines, "source_profile", others[0] if others else name)
        config_ini.kv(lines, "credential_source", "Environment")
    elif kind == "with-webid":
        tok = os.path.join(c.dir, "role-token")
        c.add(tok, "eyJ" + g.word(50))
        config_ini.kv(lines, "web_identity_token_file", tok)
    if g.chance(0.3):
        config_ini.kv(lines, "role_session_name", "s-" + g.word(4))
    if g.chance(0.2):
        config_ini.kv(lines, "external_id", "ext-" + g.word(6))
    if g.chance(0.2):
        config_ini.kv(lines, "duration_seconds", rng.choice(["900", "3600", "abc", " 1_800 "]))


# --- the named differences --------------------------------------------------------


def diff_case(name, idx, root):
    c = Case(idx, root)
    c.tags.append("difference:" + name)
    cred = os.path.join(c.home, ".aws", "credentials")
    cfg = os.path.join(c.home, ".aws", "config")

    def proc(doc_text, delay=0):
        script = os.path.join(c.dir, "bin", "p.sh")
        sleep = "sleep %s\n" % delay if delay else ""
        c.add(script, "#!/bin/sh\n%scat <<'JSONEOF'\n%s\nJSONEOF\n" % (sleep, doc_text), True)
        c.add(cfg, "[default]\ncredential_process = %s\n" % script)

    good = '"AccessKeyId": "ASIADIFF", "SecretAccessKey": "secretdiff"'
    if name == "empty-static-key":
        c.add(cred, "[default]\naws_access_key_id =\naws_secret_access_key = secretdiff\n")
    elif name == "nested-credential-value":
        c.add(cred, "[default]\naws_access_key_id = AKIADIFF\naws_secret_access_key =\n  a = b\n")
    elif name == "process-empty-string":
        proc('{"Version": 1, "AccessKeyId": "", "SecretAccessKey": "secretdiff"}')
    elif name == "process-duplicate-key":
        proc('{"Version": 1, %s, "AccessKeyId": "ASIADIFF2"}' % good)
    elif name == "process-non-string":
        proc('{"Version": 1, "AccessKeyId": 12345, "SecretAccessKey": "secretdiff"}')
    elif name == "process-version-true":
        proc('{"Version": true, %s}' % good)
    elif name == "process-nan":
        proc('{"Version": 1, %s, "Extra": NaN}' % good)
    elif name == "process-timeout":
        proc('{"Version": 1, %s}' % good, delay=1.5)
        c.args = ["--process-timeout-ms", "300"]
    elif name == "blank-aws-profile":
        c.add(cred, "[default]\naws_access_key_id = AKIADIFF\naws_secret_access_key = secretdiff\n")
        c.env["AWS_PROFILE"] = ""
    elif name == "expiration-free-form":
        c.env.update(AWS_ACCESS_KEY_ID="AKIADIFF", AWS_SECRET_ACCESS_KEY="secretdiff",
                     AWS_CREDENTIAL_EXPIRATION="2100-01-01 00:00:00 UTC")
    elif name == "ec2-tools-file":
        path = os.path.join(c.dir, "ec2-creds")
        c.add(path, "AWSAccessKeyId=AKIADIFF\nAWSSecretKey=secretdiff\n")
        c.env["AWS_CREDENTIAL_FILE"] = path
    elif name == "boto2-config":
        c.add(os.path.join(c.home, ".boto"), "[Credentials]\naws_access_key_id = AKIADIFF\n"
              "aws_secret_access_key = secretdiff\n")
    elif name == "sso-profile":
        c.add(cfg, "[default]\nsso_start_url = https://d-0000000000.awsapps.com/start\nsso_region = us-east-1\n"
              "sso_account_id = 123456789012\nsso_role_name = r\n")
    else:
        raise ValueError(name)
    c.secrets.add("secretdiff")
    return c


# --- running both sides -------------------------------------------------------------


def worker(spec_path, out_path):
    """One Python process, a fresh botocore Session per case."""
    import logging

    import botocore.session

    logging.disable(logging.CRITICAL)
    with open(spec_path) as f:
        specs = json.load(f)
    results = {}
    for s in specs:
        os.chdir(s["dir"])
        os.environ.clear()
        os.environ.update(s["env"])
        try:
            creds = botocore.session.Session(profile=s["profile"]).get_credentials()
            if creds is None:
                r = {"kind": "none"}
            else:
                fr = creds.get_frozen_credentials()
                exp = getattr(creds, "_expiry_time", None)
                r = {"kind": "ok", "ak": fr.access_key, "sk": fr.secret_key, "token": fr.token,
                     "method": creds.method, "expiration": exp.timestamp() if exp is not None else None}
        except Exception as e:  # noqa: BLE001 - the class is the result
            r = {"kind": "exc", "cls": type(e).__name__, "msg": str(e)[:300]}
        try:
            json.dumps(r)
        except TypeError:
            r = {"kind": "ok", "ak": repr(r.get("ak")), "sk": repr(r.get("sk")), "token": None,
                 "method": r.get("method"), "expiration": None, "not_text": True}
        results[str(s["id"])] = r
    with open(out_path, "w") as f:
        json.dump(results, f)


def run_ours(example, c):
    p = subprocess.run([example] + c.args, env=c.env, cwd=c.dir, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=60)
    try:
        out = json.loads(p.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"kind": "broken", "status": p.returncode, "stdout": p.stdout.decode(errors="replace")[:500],
                "stderr": p.stderr.decode(errors="replace")[:500]}
    if "error" in out:
        if p.returncode != 1:
            return {"kind": "broken", "status": p.returncode, "stdout": str(out)}
        e = out["error"]
        return {"kind": "err", "err_kind": e["kind"], "source": e["source"], "detail": e["detail"]}
    if p.returncode != 0:
        return {"kind": "broken", "status": p.returncode, "stdout": str(out)}
    return {"kind": "ok", "ak": out["access_key_id"], "sk": out["secret_access_key"], "token": out["session_token"],
            "source": out["source"], "expiration": out["expiration"]}


def agree(b, o):
    """None if botocore's result b and ours o agree, else why not."""
    if b["kind"] == "ok":
        if o["kind"] != "ok":
            return "botocore found credentials, we did not"
        if b.get("not_text"):
            return "botocore's credentials are not text"
        for k in ("ak", "sk"):
            if b[k] != o[k]:
                return "%s differs" % k
        if (b["token"] or "") != (o["token"] or ""):
            return "token differs"
        if METHOD_SOURCE.get(b["method"]) != o["source"]:
            return "source differs (%s vs %s)" % (b["method"], o["source"])
        be, oe = b["expiration"], o["expiration"]
        if (be is None) != (oe is None) or (be is not None and int(be // 1) != oe):
            return "expiration differs (%s vs %s)" % (be, oe)
        return None
    if o["kind"] != "err":
        return "we found credentials, botocore did not" if o["kind"] == "ok" else "our example broke"
    if b["kind"] == "none":
        return None if o["err_kind"] == "NotFound" else "botocore: none; we: %s" % o["err_kind"]
    if b["cls"] not in EXC_KINDS:
        return "botocore raised %s (not in EXC_KINDS)" % b["cls"]
    kinds, sources = EXC_KINDS[b["cls"]]
    if o["err_kind"] not in kinds:
        return "botocore %s vs our %s" % (b["cls"], o["err_kind"])
    # Where botocore's message names the provider or the file, so must ours.
    m = re.match(r"(?:Partial credentials found in|Error when retrieving credentials from) ([\w-]+)", b["msg"])
    if m:
        sources = {PROVIDER_SOURCE.get(m.group(1), "?")}
    if sources is not None and o["source"] not in sources:
        return "botocore %s from %s vs our source %s" % (b["cls"], sorted(sources), o["source"])
    m = re.match(r"Unable to parse config file: (.*)", b["msg"])
    if m and m.group(1) not in o["detail"]:
        return "botocore failed on %s, we on another file" % m.group(1)
    m = re.match(r"The config profile \((.*)\) could not be found", b["msg"])
    if m and repr(m.group(1)).strip("'") not in o["detail"]:
        return "profile not found: a different profile"
    return None


def shape(r):
    if r["kind"] == "exc":
        return "exc:" + r["cls"]
    if r["kind"] == "err":
        return "err:" + r["err_kind"]
    return r["kind"]


def leaks(c, o):
    if o["kind"] != "err":
        return None
    for s in c.secrets:
        if len(s) >= 8 and s in o["detail"]:
            return "error detail holds a secret"
    return None


def describe(c, b, o, why):
    lines = ["case %d (%s): %s" % (c.id, c.dir, why), "  tags: %s" % " ".join(c.tags),
             "  botocore: %s" % json.dumps(b)[:400], "  ours:     %s" % json.dumps(o)[:400]]
    env = {k: v for k, v in c.env.items() if k not in ("PATH",) and not k.startswith(tuple(STS_ENV))}
    lines.append("  env: %s  profile arg: %r" % (json.dumps(env)[:600], c.profile))
    for path, data in sorted(c.files.items()):
        if not path.endswith((".sh", ".py")) and "token" not in path:
            lines.append("  --- %s\n%s" % (path, "\n".join("    " + ln for ln in data.decode(errors="replace").splitlines())))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--example", help="path of the resolve_credentials example binary")
    ap.add_argument("--cases", type=int, default=600)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--jobs", type=int, default=2, help="botocore worker processes")
    ap.add_argument("--keep", help="write the cases here and keep them")
    ap.add_argument("--verbose", action="store_true", help="also count the generated features")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        worker(*a.worker)
        return 0
    if not a.example:
        ap.error("--example is required")
    start = time.time()
    root = a.keep or tempfile.mkdtemp(prefix="creds-agreement-")
    if a.keep:
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
    root = os.path.realpath(root)
    rng = random.Random(a.seed)
    cases = [gen_case(i, root, rng) for i in range(a.cases)]
    diffs = {}
    for j, (name, _, _, _) in enumerate(DIFFERENCES):
        dc = diff_case(name, a.cases + j, root)
        diffs[dc.id] = name
        cases.append(dc)
    for c in cases:
        c.write()

    # botocore in worker processes, ours in threads, at the same time.
    chunks = [cases[i::a.jobs] for i in range(a.jobs)]
    procs = []
    for i, chunk in enumerate(chunks):
        spec = os.path.join(root, "worker%d.json" % i)
        with open(spec, "w") as f:
            json.dump([c.worker_spec() for c in chunk], f)
        out = os.path.join(root, "worker%d.out.json" % i)
        env = dict(os.environ, PYTHONUTF8="1", PYTHONDONTWRITEBYTECODE="1")
        procs.append((subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", spec, out],
                                       stdin=subprocess.DEVNULL, env=env), out))
    with ThreadPoolExecutor(max_workers=3) as pool:
        ours = dict(zip([c.id for c in cases], pool.map(lambda c: run_ours(a.example, c), cases)))
    botocore = {}
    for p, out in procs:
        if p.wait() != 0:
            print("credentials: botocore worker failed", file=sys.stderr)
            return 1
        with open(out) as f:
            botocore.update({int(k): v for k, v in json.load(f).items()})

    failures = []
    agreed = 0
    shown = 0
    counts = {}
    for c in cases:
        b, o = botocore[c.id], ours[c.id]
        why = leaks(c, o)
        if c.id in diffs:
            name = diffs[c.id]
            _, _, want_b, want_o = next(d for d in DIFFERENCES if d[0] == name)
            if why is None and (shape(b), shape(o)) != (want_b, want_o):
                why = "difference %s: expected botocore %s / ours %s" % (name, want_b, want_o)
            if why is None and want_o == "ok" and o["ak"] != "AKIADIFF":
                why = "difference %s: wrong key" % name
            if why is None:
                shown += 1
        else:
            why = why or agree(b, o)
            key = shape(b) if b["kind"] != "ok" else "ok:" + b["method"]
            counts[key] = counts.get(key, 0) + 1
        if why:
            failures.append(describe(c, b, o, why))
        elif c.id not in diffs:
            agreed += 1

    for f in failures[:12]:
        print(f, file=sys.stderr)
    if len(failures) > 12:
        print("... and %d more" % (len(failures) - 12), file=sys.stderr)
    if a.verbose:
        tags = {}
        for c in cases:
            for t in set(c.tags):
                tags[t] = tags.get(t, 0) + 1
        print("credentials: features: %s" % ", ".join("%s %d" % kv for kv in sorted(tags.items())))
    summary = ", ".join("%s %d" % kv for kv in sorted(counts.items(), key=lambda kv: -kv[1]))
    print("credentials: outcomes: %s" % summary)
    print("credentials: %d/%d named differences shown (%s)" % (shown, len(DIFFERENCES),
                                                             ", ".join(d[0] for d in DIFFERENCES)))
    print("credentials: botocore agreement %d/%d (%.1f s)" % (agreed, a.cases, time.time() - start))
    if not a.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
