from fastsim_kernel.cli import main


def test_doctor_reports_installed_extras(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "numpy" in out
    assert "Geant4 datasets" in out
