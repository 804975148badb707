#!/usr/bin/env bash
# Build cost of #[protected]. Generates two throwaway crates under
# target/build-cost/, each with the same 200 axum handlers and a router that
# serves them. One marks every handler #[protected]; the other takes the user
# through a hand-written extractor that calls the same Auth.
#
# The dependencies are built once. Then each crate alone is rebuilt after a
# `touch`, alternating between the two so that a change in machine load hits
# both, and the median times are compared. Incremental compilation is off,
# so each rebuild compiles the whole crate.
#
# Needs only cargo. Nothing under target/ is committed.
#
# Usage: scripts/build-cost.sh [ROUNDS] [PROFILE]
#   ROUNDS   rebuilds of each crate [default: 5]
#   PROFILE  cargo profile: dev or release [default: dev]
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${1:-5}"
profile="${2:-dev}"
handlers=200
repository="$(pwd)"
root="$repository/target/build-cost"
export CARGO_TARGET_DIR="$root/target"
# Incremental compilation would reuse most of the crate's previous build
# after a `touch`, which times the cache, not the crate.
export CARGO_INCREMENTAL=0

# Writes the crate's manifest and the user model both crates share.
write_common() {
    local crate="$1"
    mkdir -p "$root/$crate/src"
    cat > "$root/$crate/Cargo.toml" << EOF
[package]
name = "build-cost-$crate"
version = "0.0.0"
edition = "2024"
publish = false

# Not a member of the repository's workspace.
[workspace]

[dependencies]
auth-core = { path = "$repository/auth-core" }
auth-jwt = { path = "$repository/auth-jwt" }
axum = { version = "0.8.9", default-features = false, features = ["http1", "tokio"] }
http = "1.3"
EOF
    cp "$repository/Cargo.lock" "$root/$crate/Cargo.lock"
    cat > "$root/$crate/src/user.rs" << 'EOF'
use std::collections::HashMap;

use auth_core::{UserId, UserModel, UserStoreError, async_trait};

#[derive(Clone)]
pub struct User {
    pub id: i64,
}

#[async_trait]
impl UserModel for User {
    type Store = HashMap<i64, User>;

    fn id(&self) -> UserId {
        UserId::Int(self.id)
    }

    async fn find_by_id(store: &Self::Store, id: &UserId) -> Result<Option<Self>, UserStoreError> {
        let UserId::Int(id) = id else { return Ok(None) };
        Ok(store.get(id).cloned())
    }
}
EOF
}

# Writes the router over handlers handler_0 .. handler_199.
write_router() {
    local file="$1"
    {
        echo
        echo 'pub fn router(auth: &auth_core::Auth) -> axum::Router {'
        echo '    axum::Router::new()'
        for index in $(seq 0 $((handlers - 1))); do
            echo "        .route(\"/h/$index\", axum::routing::get(handler_$index))"
        done
        echo '        .layer(auth.layer())'
        echo '}'
    } >> "$file"
}

generate() {
    write_common protected
    {
        echo 'mod user;'
        echo 'pub use user::User;'
        echo 'use auth_core::protected;'
        for index in $(seq 0 $((handlers - 1))); do
            echo
            echo '#[protected]'
            echo "pub async fn handler_$index(user: User) -> String {"
            echo "    format!(\"{} {}\", $index, user.id)"
            echo '}'
        done
    } > "$root/protected/src/lib.rs"
    write_router "$root/protected/src/lib.rs"

    write_common plain
    {
        echo 'mod user;'
        echo 'pub use user::User;'
        cat << 'EOF'
use auth_core::Auth;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

/// The user, authenticated by the `Auth` that the router's layer shares.
pub struct Authenticated(pub User);

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        let Some(auth) = parts.extensions.get::<Auth>().cloned() else {
            return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
        };
        match auth.authenticate::<User>(parts).await {
            Ok(user) => Ok(Authenticated(user)),
            Err(error) => Err(error.into_response()),
        }
    }
}
EOF
        for index in $(seq 0 $((handlers - 1))); do
            echo
            echo "pub async fn handler_$index(Authenticated(user): Authenticated) -> String {"
            echo "    format!(\"{} {}\", $index, user.id)"
            echo '}'
        done
    } > "$root/plain/src/lib.rs"
    write_router "$root/plain/src/lib.rs"
}

# Rebuilds one crate after touching it and prints the seconds it took.
time_build() {
    local crate="$1"
    touch "$root/$crate/src/lib.rs"
    local start end
    start="$(date +%s%N)"
    cargo build --quiet --offline --profile "$profile" --manifest-path "$root/$crate/Cargo.toml"
    end="$(date +%s%N)"
    awk -v start="$start" -v end="$end" 'BEGIN { printf "%.3f\n", (end - start) / 1e9 }'
}

median() {
    sort -n | awk '{ values[NR] = $1 } END { if (NR % 2) print values[(NR + 1) / 2]; else print (values[NR / 2] + values[NR / 2 + 1]) / 2 }'
}

generate
echo "building the dependencies once ($profile profile)..." >&2
for crate in protected plain; do
    cargo build --quiet --offline --profile "$profile" --manifest-path "$root/$crate/Cargo.toml"
done

protected_times=()
plain_times=()
for round in $(seq 1 "$rounds"); do
    protected_times+=("$(time_build protected)")
    plain_times+=("$(time_build plain)")
    echo "round $round: #[protected] ${protected_times[-1]} s, plain extractor ${plain_times[-1]} s" >&2
done

protected_median="$(printf '%s\n' "${protected_times[@]}" | median)"
plain_median="$(printf '%s\n' "${plain_times[@]}" | median)"
# Each round's two builds ran back to back, under about the same load, so
# the median of the rounds' ratios is less sensitive to load than the
# ratio of the medians.
paired_median="$(for round in $(seq 0 $((rounds - 1))); do
    awk -v protected="${protected_times[$round]}" -v plain="${plain_times[$round]}" \
        'BEGIN { printf "%.4f\n", protected / plain }'
done | median)"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$handlers handlers, $profile profile, median of $rounds rebuilds of the crate alone"
printf '| crate | seconds |\n|---|---|\n'
printf '| #[protected] | %s |\n' "$protected_median"
printf '| plain extractor | %s |\n' "$plain_median"
awk -v protected="$protected_median" -v plain="$plain_median" \
    'BEGIN { printf "#[protected] / plain, ratio of the medians: %.2f\n", protected / plain }'
awk -v paired="$paired_median" \
    'BEGIN { printf "#[protected] / plain, median of the rounds'"'"' ratios: %.2f\n", paired }'
