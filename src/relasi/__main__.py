from relasi.cli import main

main()
