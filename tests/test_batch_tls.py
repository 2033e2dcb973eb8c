"""A batch through a TLS cluster: ``dask scheduler`` and ``dask worker`` started with
certificates made here (a CA and one certificate for 127.0.0.1, with ``cryptography``),
the command given ``--scheduler tls://`` and ``--tls-config FILE``: the tables equal the
in-process batch's. Bad TLS options are one line and exit 2, nothing written."""

from __future__ import annotations

import datetime
import ipaddress
import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from metropoli.cli import main
from tests.batch_support import LHS, ROOT, canonical, write
from tests.test_batch_executors import dask_command, free_port


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_certificates(folder: Path) -> dict[str, Path]:
    """A CA, and a certificate it signed for 127.0.0.1 (server and client), as PEM files."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("metropoli test CA"))
        .issuer_name(_name("metropoli test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = {"ca": folder / "ca.pem", "cert": folder / "node.pem", "key": folder / "node-key.pem"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(_pem_key(key))
    return paths


TLS_CONFIG = """distributed:
  comm:
    require-encryption: true
    tls:
      ca-file: ca.pem
      client:
        cert: node.pem
        key: node-key.pem
"""


@pytest.fixture
def tls_cluster(tmp_path):
    """A TLS scheduler and two TLS workers on 127.0.0.1; the address and the config file."""
    from distributed import Client

    from sim.experiments.executors import tls_security

    certs = make_certificates(tmp_path)
    config = tmp_path / "tls.yaml"
    config.write_text(TLS_CONFIG)
    tls = ["--tls-ca-file", str(certs["ca"]), "--tls-cert", str(certs["cert"])]
    tls += ["--tls-key", str(certs["key"])]
    port = free_port()
    address = f"tls://127.0.0.1:{port}"
    dask = dask_command()
    env = dict(os.environ, OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    commands = [
        [dask, "scheduler", "--protocol", "tls", "--host", "127.0.0.1", "--port", str(port)]
        + ["--no-dashboard", *tls],
        [dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--host", "127.0.0.1"]
        + ["--no-dashboard", *tls],
    ]
    procs = []
    try:
        for command in commands:
            procs.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 120
        while True:
            try:
                with Client(address, timeout="5s", security=tls_security(config)) as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        yield address, config
    finally:
        for p in reversed(procs):
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in reversed(procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def test_a_tls_cluster_gives_the_in_process_tables(tls_cluster, tmp_path):
    address, config = tls_cluster
    path = write(tmp_path, LHS)
    serial, tls = tmp_path / "serial", tmp_path / "tls"
    assert main(["batch", str(path), "--out", str(serial), "--quiet"]) == 0
    args = ["batch", str(path), "--out", str(tls), "--quiet", "--scheduler", address]
    assert main([*args, "--tls-config", str(config)]) == 0
    runs = pd.read_parquet(tls / "runs.parquet")
    assert (runs["status"] == "ok").all()
    assert runs["worker"].nunique() >= 1 and not runs["worker"].str.contains(str(os.getpid())).any()
    pd.testing.assert_frame_equal(canonical(tls), canonical(serial))


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--scheduler", "tls://127.0.0.1:9"], "needs the certificates: --tls-config FILE"),
        (["--scheduler", "tcp://127.0.0.1:9", "--tls-config", "x.yaml"], "for a tls:// scheduler"),
        (["--scheduler", "tls://127.0.0.1:9", "--tls-config", "missing.yaml"], "cannot read"),
        (["--scheduler", "tls://127.0.0.1:9", "--tls-config", "{config}"], "distributed.comm.tls"),
    ],
)
def test_bad_tls_options_are_one_line_and_exit_2(tmp_path, capsys, extra, says):
    path = write(tmp_path, LHS)
    config = tmp_path / "partial.yaml"
    config.write_text("distributed:\n  comm:\n    tls:\n      ca-file: ca.pem\n")
    extra = [a.replace("{config}", str(config)) for a in extra]
    out = tmp_path / "store"
    assert main(["batch", str(path), "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0], err
    assert not out.exists()
