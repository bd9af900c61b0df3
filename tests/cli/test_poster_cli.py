"""``merchant-onboard poster``: files that scan, and a check that reads them back."""

import dataclasses

import pytest

from merchant_onboard.domain.vietqr import build_payload


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


def test_check_fails_when_a_poster_does_not_read_back_as_its_stall_payload(
        runner, market_with_stalls, tmp_path, monkeypatch):
    """Issue 15 behaviour 13: ``poster --check`` exits 1 when a printed QR is not the stall's.

    The renderer is made to draw another account's QR on the second poster, the kind of fault
    the check exists for: every QR still scans, but one pays the wrong account.
    """
    from merchant_onboard.domain import poster

    real_render = poster.render
    stranger = build_payload(bank="970436", account="999999999")

    def render_one_wrong(specs, fmt):
        specs = list(specs)
        specs[1] = dataclasses.replace(specs[1], payload=stranger)
        return real_render(specs, fmt)

    monkeypatch.setattr(poster, "render", render_one_wrong)
    result = runner.invoke(args=["poster", "--market", "cho-vi-thanh", "-o",
                                 str(tmp_path / "batch.pdf"), "--check"])
    assert result.exit_code == 1, result.output
    assert "check FAILED: 1 QR code(s) did not read back" in result.output


@pytest.mark.parametrize("typed", ["a-2", "A2", "a 02"])  # one stall however typed
def test_one_stall_as_png(runner, market_with_stalls, tmp_path, typed):
    out = tmp_path / "a2.png"
    result = runner.invoke(args=["poster", "--market", "cho-vi-thanh", "--stall", typed,
                                 "--format", "png", "-o", str(out), "--check"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_a_markets_former_code_prints_its_posters_and_says_its_code_now(
        runner, session, market_with_stalls, make_user, tmp_path):
    from merchant_onboard.services.markets import update_market

    update_market(session, actor=make_user("root", role="admin"), market=market_with_stalls,
                  raw={"code": "cho-vi-thanh-moi"})
    out = tmp_path / "batch.pdf"
    result = runner.invoke(args=["poster", "--market", "Cho-Vi-Thanh", "-o", str(out),
                                 "--check"])
    assert result.exit_code == 0, result.output
    assert "market Cho-Vi-Thanh is now cho-vi-thanh-moi" in result.output
    assert "check passed: 3 QR code(s) read back" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--market", "nope"], "Không tìm thấy chợ"),
    (["--market", "cho-vi-thanh", "--stall", "Z-9"], "Không tìm thấy gian hàng"),
    (["--market", "cho-vi-thanh", "--status", "census"], "Trạng thái không in được"),
])
def test_bad_input_is_a_message(runner, market_with_stalls, tmp_path, args, message):
    result = runner.invoke(args=["poster", *args, "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("where", ["missing-directory", "empty", "under-a-file"])
def test_an_output_that_cannot_be_written_is_one_line(runner, market_with_stalls, tmp_path,
                                                      where):
    (tmp_path / "file").write_text("")
    output = {"missing-directory": str(tmp_path / "no" / "x.pdf"), "empty": "",
              "under-a-file": str(tmp_path / "file" / "x.pdf")}[where]
    result = runner.invoke(args=["poster", "--market", "cho-vi-thanh", "--stall", "A-1",
                                 "-o", output])
    assert result.exit_code == 2, result.exception
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("option", ["--market", "--zone", "--stall"])
def test_an_argument_that_is_not_utf8_is_one_line(runner, market_with_stalls, tmp_path, option):
    """A terminal in another encoding passes bytes Python keeps as lone surrogates."""
    args = {"--market": ["--market", "\udcff"],
            "--zone": ["--market", "cho-vi-thanh", "--zone", "\udcff"],
            "--stall": ["--market", "cho-vi-thanh", "--stall", "A-\udcff"]}[option]
    result = runner.invoke(args=["poster", *args, "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2, result.exception
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1


def test_cli_format_choices_match_the_renderer():
    from merchant_onboard.cli.poster import FORMATS
    from merchant_onboard.domain.poster import PosterFormat

    assert FORMATS == tuple(f.value for f in PosterFormat)
