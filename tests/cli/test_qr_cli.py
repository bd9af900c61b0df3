"""``merchant-onboard qr build|parse|decode``: output, exit codes and bad input."""

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import qrcode
from click.testing import CliRunner
from PIL import Image

from merchant_onboard.cli import main
from merchant_onboard.domain.vietqr import build_payload
from tests.domain.test_decode_bounds import pdf_with_page_tree, png_bomb

CANONICAL = ("00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA"
             "53037045802VN63049E6F")
SCRIPT = Path(sys.executable).with_name("merchant-onboard")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str, input: bytes | str | None = None):
    return runner.invoke(main, ["qr", *args], input=input, catch_exceptions=False)


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


def png(payload: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(payload, box_size=6).get_image().save(buffer, "PNG")
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------- build


def test_build_prints_the_canonical_static_payload(runner):
    result = run(runner, "build", "--bank", "970403", "--account", "0011012345678")
    assert (result.exit_code, result.stdout) == (0, CANONICAL + "\n")


def test_build_with_amount_purpose_and_card(runner):
    result = run(runner, "build", "--bank", "VCB", "--account", "9704 3611 2345 6789", "--card",
                 "--amount", "25000", "--purpose", "Tiền rau")
    assert result.exit_code == 0
    assert result.stdout.strip() == build_payload(bank="970436", account="9704361123456789",
                                                  card=True, amount=25000, purpose="TIEN RAU")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--bank", "NOPE", "--account", "1"], "--bank"),
        (["--bank", "970403", "--account", "12-34@"], "--account"),
        (["--bank", "970403", "--account", "1" * 20], "--account"),
        (["--bank", "970403", "--account", "123", "--card"], "--account"),
        (["--bank", "970403", "--account", "1", "--amount", "0"], "--amount"),
        (["--bank", "970403", "--account", "1", "--amount", "12.5"], "--amount"),
        (["--bank", "970403", "--account", "1", "--purpose", "X" * 26], "--purpose"),
    ],
)
def test_build_bad_input_is_a_message_on_stderr_and_exit_2(runner, args, option):
    result = run(runner, "build", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert option in result.stderr
    assert "Traceback" not in result.stderr


def test_build_requires_bank_and_account(runner):
    assert run(runner, "build", "--bank", "970403").exit_code == 2


# ----------------------------------------------------------------------------------------- parse


def test_parse_prints_one_json_line_and_exits_0_when_valid(runner):
    result = run(runner, "parse", CANONICAL)
    assert result.exit_code == 0
    [line] = json_lines(result.stdout)
    assert line == {
        "valid": True, "kind": "vietqr_account", "bin": "970403", "bank": "Sacombank",
        "bank_name": "Ngân hàng TMCP Sài Gòn Thương Tín", "account": "0011012345678",
        "service": "QRIBFTTA", "amount": None, "purpose": None, "initiation": "static",
        "errors": [], "warnings": [],
    }


def test_parse_exits_1_when_any_payload_is_invalid(runner):
    result = run(runner, "parse", CANONICAL, CANONICAL[:-1] + "0", "hello")
    assert result.exit_code == 1
    lines = json_lines(result.stdout)
    assert [line["valid"] for line in lines] == [True, False, False]
    assert lines[1]["errors"] == ["crc_mismatch"]
    assert lines[2]["kind"] == "not_emv"


def test_parse_reads_one_payload_per_line_from_stdin(runner):
    dynamic = build_payload(bank="ACB", account="12345678", amount=50000)
    stdin = f"{CANONICAL}\r\n  {dynamic}  \n\nnot a qr\n".encode() + b"\xff\xfe\n"
    result = run(runner, "parse", "-", input=stdin)
    assert result.exit_code == 1
    lines = json_lines(result.stdout)
    assert [line["valid"] for line in lines] == [True, True, False, False, False]
    assert lines[1]["amount"] == 50000


def test_parse_requires_a_payload(runner):
    assert run(runner, "parse").exit_code == 2


def test_parse_handles_tens_of_thousands_of_lines_in_one_process(tmp_path):
    if not SCRIPT.exists():
        pytest.skip("console script not installed next to this interpreter")
    payloads = [build_payload(bank="970403", account=str(10**9 + i)) for i in range(20_000)]
    stdin = ("\n".join(payloads) + "\n").encode()
    done = subprocess.run([str(SCRIPT), "qr", "parse", "-"], input=stdin, capture_output=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-500:]
    lines = done.stdout.decode().splitlines()
    assert len(lines) == 20_000
    assert json.loads(lines[-1])["account"] == str(10**9 + 19_999)


# ---------------------------------------------------------------------------------------- decode


def test_decode_prints_a_json_line_per_qr_found(runner, tmp_path):
    image = tmp_path / "poster.png"
    image.write_bytes(png(CANONICAL))
    pages = [Image.open(io.BytesIO(png(CANONICAL))).convert("RGB"),
             Image.open(io.BytesIO(png("hello"))).convert("RGB")]
    pdf = tmp_path / "posters.pdf"
    pages[0].save(pdf, "PDF", save_all=True, append_images=pages[1:])
    result = run(runner, "decode", str(image), str(pdf))
    assert result.exit_code == 0, result.stderr
    lines = json_lines(result.stdout)
    assert [(line["file"], line["page"], line["payload"]) for line in lines] == [
        (str(image), None, CANONICAL), (str(pdf), 1, CANONICAL), (str(pdf), 2, "hello")]
    assert lines[0]["parse"]["valid"] is True
    assert lines[2]["parse"]["kind"] == "not_emv"


def test_decode_reads_stdin(runner):
    result = run(runner, "decode", "-", input=png(CANONICAL))
    assert result.exit_code == 0
    assert json_lines(result.stdout)[0]["file"] == "-"


def test_decode_exits_1_when_a_file_holds_no_qr(runner, tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), "white").save(blank)
    result = run(runner, "decode", str(blank))
    assert (result.exit_code, result.stdout) == (1, "")
    assert "blank.png" in result.stderr


@pytest.mark.parametrize("content", [None, b"not an image", b"%PDF-1.4 broken",
                                     pdf_with_page_tree(b"[2 0 R]", count=1)],
                         ids=["missing", "text", "broken-pdf", "pdf-kids-loop"])
def test_decode_exits_2_on_a_file_it_cannot_read(runner, tmp_path, content):
    path = tmp_path / "upload.bin"
    if content is not None:
        path.write_bytes(content)
    good = tmp_path / "good.png"
    good.write_bytes(png(CANONICAL))
    result = run(runner, "decode", str(path), str(good))
    assert result.exit_code == 2
    assert "upload.bin" in result.stderr and "Traceback" not in result.stderr
    assert [line["payload"] for line in json_lines(result.stdout)] == [CANONICAL]


def test_decode_refuses_a_huge_picture_in_one_line_without_pillows_warning(tmp_path):
    """The decoder bounds pixels itself: Pillow's own DecompressionBombWarning is noise."""
    if not SCRIPT.exists():
        pytest.skip("console script not installed next to this interpreter")
    big = tmp_path / "big.png"
    big.write_bytes(png_bomb(10_000))  # 100 megapixels: Pillow warns above 89
    done = subprocess.run([str(SCRIPT), "qr", "decode", str(big)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"{big}: Ảnh quá lớn: tối đa 40 triệu điểm ảnh. Hãy "
                                        "chụp lại hoặc thu nhỏ ảnh."]


def test_qr_commands_do_not_need_the_flask_app():
    if not SCRIPT.exists() or shutil.which("env") is None:
        pytest.skip("console script not installed next to this interpreter")
    done = subprocess.run(
        ["env", "-u", "FLASK_APP", "DATABASE_URL=unusable://", str(SCRIPT), "qr", "build",
         "--bank", "970403", "--account", "0011012345678"],
        capture_output=True, timeout=60, check=False,
    )
    assert (done.returncode, done.stdout.decode().strip()) == (0, CANONICAL)


def test_build_says_on_stderr_what_it_changed(runner):
    result = run(runner, "build", "--bank", "970436", "--account", "0011-0123_4567 8",
                 "--purpose", "A-3")
    assert result.exit_code == 0
    assert result.stdout.strip().startswith("000201")
    assert "--account" in result.stderr and "0011012345678" in result.stderr
    assert "--purpose" in result.stderr and "A 3" in result.stderr
