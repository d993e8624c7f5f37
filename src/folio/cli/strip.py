import click
@click.command('strip')
def strip():
    pass

