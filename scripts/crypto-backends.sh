#!/usr/bin/env bash
# Compares jsonwebtoken's two crypto backends on HS256: rust_crypto (the
# RustCrypto hmac and sha2 crates) and aws_lc_rs. It times decode and encode
# of the same 220-byte token as benches/authenticate.rs, and one HMAC-SHA256
# over its signing input with a key prepared once, as the fast path does.
#
# aws-lc-sys is slow to build, so the comparison lives in a throwaway crate
# under target/crypto-backends/, built once per backend, and never enters the
# workspace's dependency tree or CI.
#
# Needs cargo, python3 and a C compiler (aws-lc-sys builds C). Criterion writes its
# reports under target/crypto-backends/target/criterion/.
#
# Usage: scripts/crypto-backends.sh [SECONDS]
#   SECONDS  criterion measurement time per benchmark [default: 5]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-5}"
root="$(pwd)/target/crypto-backends"
mkdir -p "$root/benches"
export CARGO_TARGET_DIR="$root/target"

cat > "$root/Cargo.toml" << 'EOF'
[package]
name = "crypto-backends"
version = "0.0.0"
edition = "2024"
publish = false

# Not a member of the repository's workspace.
[workspace]

[features]
rust_crypto = ["jsonwebtoken/rust_crypto", "dep:hmac", "dep:sha2"]
aws_lc_rs = ["jsonwebtoken/aws_lc_rs", "dep:aws-lc-rs"]

[dependencies]
aws-lc-rs = { version = "1.19", optional = true }
hmac = { version = "0.13.0", optional = true }
jsonwebtoken = { version = "=12.0.0", default-features = false }
serde = { version = "1.0.228", features = ["derive"] }
sha2 = { version = "0.11", optional = true }

[dev-dependencies]
criterion = { version = "0.8.2", default-features = false, features = ["cargo_bench_support"] }

[[bench]]
name = "backends"
harness = false
EOF
mkdir -p "$root/src"
echo '//! Empty: the benchmark is the whole crate.' > "$root/src/lib.rs"

cat > "$root/benches/backends.rs" << 'EOF'
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

const KEY: &[u8] = b"benchmark key of at least thirty-two bytes";

#[cfg(feature = "rust_crypto")]
const BACKEND: &str = "rust_crypto";
#[cfg(feature = "aws_lc_rs")]
const BACKEND: &str = "aws_lc_rs";

#[derive(Serialize, Deserialize)]
struct Claims {
    token_type: String,
    user_id: i64,
    iat: u64,
    exp: u64,
    jti: String,
    fam: String,
}

fn claims() -> Claims {
    Claims {
        token_type: "access".to_owned(),
        user_id: 1,
        iat: 1_800_000_000,
        exp: 4_000_000_000,
        jti: "AAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        fam: "AAAAAAAAAAAAAAAAAAAAAA".to_owned(),
    }
}

/// HMAC-SHA256 of `message` against `tag`, with a key prepared once.
#[cfg(feature = "rust_crypto")]
fn prepared_hmac() -> impl Fn(&[u8], &[u8]) -> bool {
    use hmac::{Hmac, KeyInit, Mac};
    let key = Hmac::<sha2::Sha256>::new_from_slice(KEY).unwrap();
    move |message, tag| key.clone().chain_update(message).verify_slice(tag).is_ok()
}

#[cfg(feature = "aws_lc_rs")]
fn prepared_hmac() -> impl Fn(&[u8], &[u8]) -> bool {
    use aws_lc_rs::hmac;
    let key = hmac::Key::new(hmac::HMAC_SHA256, KEY);
    move |message, tag| hmac::verify(&key, message, tag).is_ok()
}

fn backends(criterion: &mut Criterion) {
    let encoding = EncodingKey::from_secret(KEY).unwrap();
    let decoding = DecodingKey::from_secret(KEY).unwrap();
    let header = Header::new(Algorithm::HS256);
    let validation = Validation::new(Algorithm::HS256);
    let token = jsonwebtoken::encode(&header, &claims(), &encoding).unwrap();
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let tag = decode_base64url(signature);
    let verify = prepared_hmac();
    assert!(verify(signing_input.as_bytes(), &tag));

    let mut group = criterion.benchmark_group(BACKEND);
    group.bench_function("jsonwebtoken decode", |bench| {
        bench.iter(|| {
            jsonwebtoken::decode::<Claims>(black_box(&token), &decoding, &validation).unwrap()
        });
    });
    group.bench_function("jsonwebtoken encode", |bench| {
        bench.iter(|| jsonwebtoken::encode(&header, black_box(&claims()), &encoding).unwrap());
    });
    group.bench_function("HMAC-SHA256 verify, prepared key", |bench| {
        bench.iter(|| assert!(verify(black_box(signing_input.as_bytes()), black_box(&tag))));
    });
    group.finish();
}

/// Decodes unpadded base64url, enough for a signature this benchmark made.
fn decode_base64url(text: &str) -> Vec<u8> {
    let value = |byte: u8| match byte {
        b'A'..=b'Z' => byte - b'A',
        b'a'..=b'z' => byte - b'a' + 26,
        b'0'..=b'9' => byte - b'0' + 52,
        b'-' => 62,
        _ => 63,
    };
    let mut bits = 0_u32;
    let mut count = 0;
    let mut bytes = Vec::new();
    for byte in text.bytes() {
        bits = (bits << 6) | u32::from(value(byte));
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
        }
    }
    bytes
}

criterion_group!(benches, backends);
criterion_main!(benches);
EOF

for backend in rust_crypto aws_lc_rs; do
    echo "benchmarking $backend..." >&2
    cargo bench --quiet --manifest-path "$root/Cargo.toml" --bench backends --features "$backend" -- \
        --warm-up-time 2 --measurement-time "$seconds" > "$root/$backend.txt" 2>&1 \
        || { cat "$root/$backend.txt" >&2; exit 1; }
done

# Prints the median of one benchmark, in nanoseconds, from criterion's report.
median_ns() {
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["median"]["point_estimate"])' \
        "$CARGO_TARGET_DIR/criterion/$1/$2/new/estimates.json"
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| HS256 | rust_crypto (ns) | aws_lc_rs (ns) | aws_lc_rs / rust_crypto |\n|---|---|---|---|\n'
for name in "jsonwebtoken decode" "jsonwebtoken encode" "HMAC-SHA256 verify, prepared key"; do
    rust="$(median_ns rust_crypto "$name")"
    aws="$(median_ns aws_lc_rs "$name")"
    awk -v name="$name" -v rust="$rust" -v aws="$aws" \
        'BEGIN { printf "| %s | %.0f | %.0f | %.2f |\n", name, rust, aws, aws / rust }'
done
