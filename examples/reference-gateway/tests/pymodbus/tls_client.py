"""pymodbus's Modbus/TCP Security client against the reference gateway (tests/tls.rs).

Usage: tls_client.py PORT CERTIFICATE KEY CA UNIT

Writes and reads back holding registers and coils of UNIT over TLS with a client certificate,
then prints one line per request: the values read, or "exception N" for a Modbus exception.
The Rust test compares the lines; this script judges nothing itself.
"""

import ssl
import sys

from pymodbus.client import ModbusTlsClient


def main() -> None:
    port, certificate, key, ca, unit = sys.argv[1:6]
    unit = int(unit)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_verify_locations(ca)
    context.load_cert_chain(certificate, key)
    # pymodbus wraps its socket without server_hostname, which hostname checking needs; the
    # chain is still verified against CA, and tests/tls.rs checks the device certificate's
    # address with openssl s_client -verify_ip.
    context.check_hostname = False
    client = ModbusTlsClient("127.0.0.1", port=int(port), sslctx=context, timeout=5, retries=0)
    if not client.connect():
        print("no connection")
        sys.exit(1)
    try:
        requests = [
            ("write_registers 700 [11, 22, 33]",
             lambda: client.write_registers(700, [11, 22, 33], device_id=unit)),
            ("read_holding_registers 700 3",
             lambda: client.read_holding_registers(700, count=3, device_id=unit)),
            ("write_coil 701 True", lambda: client.write_coil(701, True, device_id=unit)),
            ("read_coils 700 2", lambda: client.read_coils(700, count=2, device_id=unit)),
        ]
        for name, request in requests:
            response = request()
            if response.isError():
                print(f"{name}: exception {getattr(response, 'exception_code', '?')}")
            elif hasattr(response, "registers") and name.startswith("read_holding"):
                print(f"{name}: {response.registers}")
            elif name.startswith("read_coils"):
                print(f"{name}: {response.bits[:2]}")
            else:
                print(f"{name}: ok")
    finally:
        client.close()


if __name__ == "__main__":
    main()
