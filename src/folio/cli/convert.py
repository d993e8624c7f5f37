import click
@click.command('convert')
def convert():
    pass

