from folio.cli.main import main

main()
