"""``merchant-onboard poster``: files that scan, and a check that reads them back."""

import pytest


@pytest.fixture
def market_with_stalls(make_market, make_user, make_stall):
    market = make_market("cho-vi-thanh", name="Chợ Vị Thanh")
    lan = make_user("lan", markets=[market])
    for number in range(3):
        make_stall(market, lan, stall_code=f"A-{number + 1}", account_number=f"7{number}1234",
                   owner_phone="")
    return market


@pytest.mark.parametrize("fmt", ["a6", "sticker"])
def test_batch_with_check(runner, market_with_stalls, tmp_path, fmt):
    out = tmp_path / "batch.pdf"
    result = runner.invoke(args=["poster", "--market", "cho-vi-thanh", "--format", fmt,
                                 "-o", str(out), "--check"])
    assert result.exit_code == 0, result.output
    assert "check passed: 3 QR code(s)" in result.output
    assert out.read_bytes().startswith(b"%PDF")


def test_one_stall_as_png(runner, market_with_stalls, tmp_path):
    out = tmp_path / "a2.png"
    result = runner.invoke(args=["poster", "--market", "cho-vi-thanh", "--stall", "a-2",
                                 "--format", "png", "-o", str(out), "--check"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(("args", "message"), [
    (["--market", "nope"], "Không tìm thấy chợ"),
    (["--market", "cho-vi-thanh", "--stall", "Z-9"], "Không tìm thấy gian hàng"),
    (["--market", "cho-vi-thanh", "--status", "census"], "Trạng thái không in được"),
])
def test_bad_input_is_a_message(runner, market_with_stalls, tmp_path, args, message):
    result = runner.invoke(args=["poster", *args, "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_cli_format_choices_match_the_renderer():
    from merchant_onboard.cli.poster import FORMATS
    from merchant_onboard.domain.poster import PosterFormat

    assert FORMATS == tuple(f.value for f in PosterFormat)
