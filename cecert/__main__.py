from cecert.cli import main

main()
