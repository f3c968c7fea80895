"""CSV formula injection: a cell that begins with =, +, -, @, a tab or a carriage return is
neutralised (OWASP: a leading apostrophe) in the one CSV writer, so client and staff exports and
report CSVs open in a spreadsheet as text, never as a formula. Numbers stay numbers."""

import csv
import io

import pytest
from django.test import Client

from reports.builder import freeze_report
from socap_project.csv_stream import csv_response, neutralise
from tests.factories import engagement_doc, make_campaign, store_engagements

HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)", "\t=1+1", "\r=1+1",
           '=HYPERLINK("http://evil.example","Reset password")']


def parse(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_cells_are_neutralised(value):
    [[cell, number, negative, plain]] = parse(csv_response([[value, 5, -0.75, "fine"]], "x.csv"))
    assert cell == "'" + value
    assert (number, negative, plain) == ("5", "-0.75", "fine")  # numbers and plain text untouched


def test_neutralise_keeps_everything_else():
    assert neutralise("hello = world") == "hello = world"
    assert neutralise("") == "" and neutralise(None) is None and neutralise(-3) == -3


@pytest.mark.django_db
def test_client_staff_and_report_csvs_are_neutralised(mongo_db, admin_client, settings, tmp_path):
    settings.SOCAP_ARCHIVE_DIR = tmp_path / "archives"
    campaign = make_campaign()
    tweet = campaign.tweets.get(category="main_twt")
    doc = engagement_doc(campaign, tweet, "66", "reply", importance=40, username="mallory", category="vcs",
                         text=HOSTILE[0])
    doc["account_profile"]["name"] = "@SUM(A1:A9)"
    store_engagements([doc])
    client = Client()
    exports = [client.get(f"/socap/c/{campaign.share_token}/engagements.csv"),
               admin_client.get(f"/socap/campaigns/{campaign.pk}/engagements.csv")]
    for response in exports:
        rows = parse(response)
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["text"] == "'" + HOSTILE[0] and row["name"] == "'@SUM(A1:A9)"
    freeze_report(campaign)
    cells = [cell for table in ("top_accounts", "rankings")
             for row in parse(client.get(f"/socap/c/{campaign.share_token}/report.csv?table={table}"))
             for cell in row]
    assert "'@SUM(A1:A9)" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")]
