#!/usr/bin/env bash
# Makes the test certificates and keys of gateway-certs with the OpenSSL command line, and
# records what `openssl x509` prints about each certificate, which the tests compare with.
#
#   bash crates/gateway-certs/tests/data/make.sh [OUT_DIR]
#
# OUT_DIR defaults to this script's directory (the committed set). `.ci/run` also runs it into
# a temporary directory and runs the tests on that fresh set (GATEWAY_CERTS_TESTDATA=OUT_DIR),
# so the tests never depend on one lucky snapshot. Validity dates are fixed (`openssl ca
# -startdate/-enddate`) so that status tests are stable; keys are fresh on every run.
set -euo pipefail

out="${1:-$(cd "$(dirname "$0")" && pwd)}"
mkdir -p "$out"
cd "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat > "$work/ca.cnf" <<'EOF'
[ca]
default_ca = test
[test]
dir = WORK
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
email_in_dn = no
[anything]
commonName = supplied
organizationName = optional
countryName = optional
organizationalUnitName = optional
[req]
distinguished_name = dn
[dn]
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[intermediate]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:mgate.example.com, DNS:gateway.local, IP:192.168.127.254, IP:fd00::1
[modbus-client]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[modbus-server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost, DNS:mgate.example.com, IP:127.0.0.1, IP:::1
[device]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
subjectAltName = IP:192.168.127.254
EOF
sed -i "s|WORK|$work|" "$work/ca.cnf"
touch "$work/index.txt"
echo 1000 > "$work/serial"

key() { # name, genpkey arguments...
    local name=$1
    shift
    openssl genpkey -quiet "$@" -out "$name.key" 2> /dev/null
}

# sign NAME SUBJECT ISSUER EXTENSIONS START END [extra ca args]
# ISSUER is "self" or the name of an issuer whose NAME.pem and NAME.key exist.
sign() {
    local name=$1 subject=$2 issuer=$3 extensions=$4 start=$5 end=$6
    shift 6
    openssl req -new -key "$name.key" -subj "$subject" -config "$work/ca.cnf" -out "$work/$name.csr"
    if [ "$issuer" = self ]; then
        openssl ca -batch -notext -config "$work/ca.cnf" -selfsign -keyfile "$name.key" \
            -extensions "$extensions" -startdate "$start" -enddate "$end" \
            -in "$work/$name.csr" -out "$name.pem" "$@" 2> /dev/null
    else
        openssl ca -batch -notext -config "$work/ca.cnf" -cert "$issuer.pem" -keyfile "$issuer.key" \
            -extensions "$extensions" -startdate "$start" -enddate "$end" \
            -in "$work/$name.csr" -out "$name.pem" "$@" 2> /dev/null
    fi
}

# Roots and intermediates.
key root -algorithm RSA -pkeyopt rsa_keygen_bits:2048
sign root "/C=TW/O=Gateway Test/CN=Gateway Test Root CA" self root 20200101000000Z 20400101000000Z
key expired-root -algorithm EC -pkeyopt ec_paramgen_curve:P-256
sign expired-root "/O=Gateway Test/CN=Expired Root CA" self root 20150101000000Z 20250101000000Z
key intermediate -algorithm EC -pkeyopt ec_paramgen_curve:P-384
sign intermediate "/O=Gateway Test/CN=Gateway Test Intermediate" root intermediate \
    20200101000000Z 20390101000000Z
key expired-intermediate -algorithm EC -pkeyopt ec_paramgen_curve:P-256
sign expired-intermediate "/O=Gateway Test/CN=Expired Intermediate" root intermediate \
    20200101000000Z 20240101000000Z

# Leaves of every key type and size, signed by the root.
key rsa1024 -algorithm RSA -pkeyopt rsa_keygen_bits:1024
sign rsa1024 "/CN=rsa1024.example.com" root server 20240101000000Z 20340101000000Z
key rsa2047 -algorithm RSA -pkeyopt rsa_keygen_bits:2047
sign rsa2047 "/CN=rsa2047.example.com" root server 20240101000000Z 20340101000000Z
key rsa2048 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
sign rsa2048 "/O=Gateway Test/OU=Field, Site 7/CN=rsa2048.example.com" root server \
    20240101000000Z 20340101000000Z
key rsa4096 -algorithm RSA -pkeyopt rsa_keygen_bits:4096
sign rsa4096 "/CN=rsa4096.example.com" root server 20240101000000Z 20340101000000Z
key p256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
sign p256 "/CN=p256.example.com" root server 20240101000000Z 20340101000000Z
key p384 -algorithm EC -pkeyopt ec_paramgen_curve:P-384
sign p384 "/CN=p384.example.com" root server 20240101000000Z 20340101000000Z
key p521 -algorithm EC -pkeyopt ec_paramgen_curve:P-521
sign p521 "/CN=p521.example.com" root server 20240101000000Z 20340101000000Z
key ed25519 -algorithm ED25519
sign ed25519 "/CN=ed25519.example.com" root server 20240101000000Z 20340101000000Z

# RFC 5639 curves, and DSA (self-signed, so that the signature is dsa_with_SHA256 too).
key brainpool256 -algorithm EC -pkeyopt ec_paramgen_curve:brainpoolP256r1
sign brainpool256 "/CN=brainpool256.example.com" root server 20240101000000Z 20340101000000Z
key brainpool384 -algorithm EC -pkeyopt ec_paramgen_curve:brainpoolP384r1
sign brainpool384 "/CN=brainpool384.example.com" root server 20240101000000Z 20340101000000Z
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out "$work/dsa.param" 2> /dev/null
openssl genpkey -quiet -paramfile "$work/dsa.param" -out dsa2048.key 2> /dev/null
sign dsa2048 "/CN=dsa2048.example.com" self device 20240101000000Z 20340101000000Z

# notBefore in 1950 (UTCTime "50", RFC 5280 4.1.2.5).
key before-epoch -algorithm EC -pkeyopt ec_paramgen_curve:P-256
sign before-epoch "/CN=before-epoch.example.com" root server 19500101000000Z 20340101000000Z

# Names as OpenSSL's RFC 2253 output writes them: UTF-8 (non-ASCII escaped byte by byte) and
# a multi-valued RDN (its attributes in reverse DER order).
key umlaut -algorithm EC -pkeyopt ec_paramgen_curve:P-256
openssl req -x509 -new -key umlaut.key -utf8 -subj "/C=DE/O=Müller & Söhne, Zürich/CN=umlaut.example.com" \
    -days 3650 -config "$work/ca.cnf" -extensions device -out umlaut.pem
key multi-rdn -algorithm EC -pkeyopt ec_paramgen_curve:P-256
openssl req -x509 -new -key multi-rdn.key -multivalue-rdn \
    -subj "/C=TW/CN=multi.example.com+OU=Unit A+O=Gateway Test" \
    -days 3650 -config "$work/ca.cnf" -extensions device -out multi-rdn.pem

# Weak signatures, and dates.
key sha1 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
sign sha1 "/CN=sha1.example.com" root server 20240101000000Z 20340101000000Z -md sha1
key expired -algorithm EC -pkeyopt ec_paramgen_curve:P-256
sign expired "/CN=expired.example.com" root server 20200101000000Z 20230101000000Z
key short-lived -algorithm EC -pkeyopt ec_paramgen_curve:P-256
sign short-lived "/CN=short-lived.example.com" root server 20240101000000Z 20240108000000Z
key future -algorithm EC -pkeyopt ec_paramgen_curve:P-256
sign future "/CN=future.example.com" root server 20990101000000Z 21000101000000Z

# Chains: a leaf under the intermediate, under the expired intermediate, under the expired root.
key chained -algorithm EC -pkeyopt ec_paramgen_curve:P-256
sign chained "/CN=chained.example.com" intermediate server 20240101000000Z 20340101000000Z
key under-expired-intermediate -algorithm EC -pkeyopt ec_paramgen_curve:P-256
sign under-expired-intermediate "/CN=under-expired-intermediate.example.com" \
    expired-intermediate server 20200101000000Z 20340101000000Z
key under-expired-root -algorithm EC -pkeyopt ec_paramgen_curve:P-256
sign under-expired-root "/CN=under-expired-root.example.com" expired-root server \
    20200101000000Z 20340101000000Z

# A device's own self-signed certificate, as the MGate makes it (RSA-1024, CN = its IP).
key device -algorithm RSA -pkeyopt rsa_keygen_bits:1024
sign device "/CN=192.168.127.254" self device 20240101000000Z 20440101000000Z
# A self-signed certificate with a negative serial (as some old roots carry).
key negative-serial -algorithm RSA -pkeyopt rsa_keygen_bits:2048
openssl req -x509 -key negative-serial.key -subj "/CN=Negative Serial Root" -set_serial -0x1234ABCD \
    -days 3650 -config "$work/ca.cnf" -extensions root -out negative-serial.pem
# Explicit EC parameters instead of a named curve.
openssl ecparam -name prime256v1 -param_enc explicit -genkey -noout -out explicit-ec.key
openssl req -x509 -key explicit-ec.key -subj "/CN=explicit.example.com" -days 3650 \
    -config "$work/ca.cnf" -extensions device -out explicit-ec.pem

# Key containers: PKCS#1 and SEC1 forms, encrypted forms, and other refusals.
openssl pkey -in rsa2048.key -traditional -out rsa2048-pkcs1.key
openssl pkey -in p256.key -traditional -out p256-sec1.key
openssl ec -in p384.key -no_public -out p384-sec1-no-public.key 2> /dev/null
openssl ecparam -name prime256v1 -genkey -out ecparam-genkey.key
openssl pkcs8 -topk8 -in p256.key -passout pass:secret -v2 aes-256-cbc -out encrypted-pkcs8.key
openssl rsa -in rsa2048.key -traditional -aes256 -passout pass:secret -out encrypted-pkcs1.key 2> /dev/null
openssl x509 -in rsa2048.pem -trustout -addtrust serverAuth -out trusted-certificate.pem
openssl x509 -in rsa2048.pem -outform DER -out rsa2048.der

# Modbus/TCP Security (MB-TCP-Security v21): client certificates carrying the role extension
# (OID 1.3.6.1.4.1.50316.802.1, a UTF8String), and one of each defect the `role` module names.
# OpenSSL replaces an extension given twice, so the certificate with two role extensions is
# made from this set by the test that needs it.
# role NAME EXTENSION-VALUE [ISSUER [SECTION [START END]]]: a client certificate whose
# extensions are SECTION's plus the role extension with EXTENSION-VALUE (none when empty).
role() {
    local name=$1 value=$2 issuer=${3:-root} section=${4:-modbus-client}
    local start=${5:-20240101000000Z} end=${6:-20340101000000Z}
    {
        echo "[$name]"
        sed -n "/^\[$section\]/,/^\[/p" "$work/ca.cnf" | sed '1d;/^\[/d'
        [ -n "$value" ] && echo "1.3.6.1.4.1.50316.802.1 = $value"
    } >> "$work/ca.cnf"
    key "$name" -algorithm EC -pkeyopt ec_paramgen_curve:P-256
    sign "$name" "/O=Gateway Test/CN=$name" "$issuer" "$name" "$start" "$end"
}
role client-operator "ASN1:UTF8String:operator"
role client-viewer "ASN1:UTF8String:viewer"
role client-engineer "ASN1:UTF8String:engineer" intermediate
role client-no-role ""
role client-printable-role "ASN1:PRINTABLESTRING:operator"
role client-not-utf8-role "DER:0C02C328"
role client-empty-role "DER:0C00"
role client-expired "ASN1:UTF8String:operator" root modbus-client 20200101000000Z 20230101000000Z
role client-other-ca "ASN1:UTF8String:operator" expired-root modbus-client \
    20150101000000Z 20240101000000Z
role client-server-only "ASN1:UTF8String:operator" root modbus-server
key client-rsa1024 -algorithm RSA -pkeyopt rsa_keygen_bits:1024
sign client-rsa1024 "/CN=client-rsa1024" root modbus-client 20240101000000Z 20340101000000Z
# The issue's own spelling: a self-signed certificate made by `openssl req -addext`.
key client-self-signed -algorithm EC -pkeyopt ec_paramgen_curve:P-256
openssl req -x509 -new -key client-self-signed.key -subj "/CN=client-self-signed" -days 3650 \
    -config "$work/ca.cnf" -addext "1.3.6.1.4.1.50316.802.1=ASN1:UTF8String:operator" \
    -out client-self-signed.pem
# The device's Modbus/TCP Security server certificate, under the intermediate.
key modbus-server -algorithm EC -pkeyopt ec_paramgen_curve:P-256
sign modbus-server "/O=Gateway Test/CN=mgate.example.com" intermediate modbus-server \
    20240101000000Z 20340101000000Z

# What OpenSSL says about each certificate.
for cert in *.pem; do
    [ "$cert" = trusted-certificate.pem ] && continue
    name="${cert%.pem}"
    {
        openssl x509 -in "$cert" -noout -subject -issuer -nameopt RFC2253
        openssl x509 -in "$cert" -noout -serial -dateopt iso_8601 -startdate -enddate
        openssl x509 -in "$cert" -noout -fingerprint -sha256
        openssl x509 -in "$cert" -noout -text -certopt no_sigdump,no_header
    } > "$name.openssl.txt"
done
